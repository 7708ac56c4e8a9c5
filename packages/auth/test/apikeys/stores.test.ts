import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiKeyStore } from '../../src/apikeys/memory-store.js';
import { RedisApiKeyStore } from '../../src/apikeys/redis-store.js';
import { runApiKeyStoreContract, sampleRecord } from './store.contract.js';

let redis: RedisServerHandle;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await startRedisServer();
  connection = createRedisConnection({ url: redis.url, keyPrefix: 'apikeys-test:' });
  await connection.connect({ timeoutMs: 5000 });
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

runApiKeyStoreContract('memory', () => new MemoryApiKeyStore());
runApiKeyStoreContract('redis', () => new RedisApiKeyStore({ connection }));

describe('RedisApiKeyStore', () => {
  it('keeps records under the connection prefix, as a hash without the key, and lets Redis drop them after retention', async () => {
    const store = new RedisApiKeyStore({ connection, retentionMs: 60_000 });
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const r = sampleRecord({ expiresAt });
    await store.insert(r);
    const key = `apikeys-test:apikeys:key:${r.id}`;
    expect(await connection.client.type(key)).toBe('hash');
    const ttl = await connection.client.pttl(key);
    expect(ttl).toBeGreaterThan(3600_000 + 50_000);
    expect(ttl).toBeLessThanOrEqual(3600_000 + 60_000);
    expect(await connection.client.pttl(`apikeys-test:apikeys:key:${sampleRecord().id}`)).toBe(-2);
  });

  it('prunes ids of records Redis dropped from the owner index', async () => {
    const store = new RedisApiKeyStore({ connection });
    const r = sampleRecord({ ownerId: 'pruned-owner' });
    await store.insert(r);
    await connection.client.del(`apikeys-test:apikeys:key:${r.id}`);
    expect(await store.listByOwner('pruned-owner', 'acme')).toEqual([]);
    expect(await connection.client.smembers('apikeys-test:apikeys:owner:acme:pruned-owner')).toEqual([]);
  });
});

describe('MemoryApiKeyStore', () => {
  it('drops records that expired longer ago than the retention', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const store = new MemoryApiKeyStore({ retentionMs: 1000, now: () => now });
    const r = sampleRecord({ ownerId: 'o', expiresAt: '2030-01-01T00:00:10.000Z' });
    await store.insert(r);
    now += 10_999;
    expect(await store.get(r.id)).toBeDefined();
    now += 1;
    expect(await store.get(r.id)).toBeUndefined();
    expect(await store.listByOwner('o', 'acme')).toEqual([]);
  });
});
