import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQuotaStore, RedisQuotaStore } from '../../src/index.js';
import { runQuotaStoreContract } from './store.contract.js';

let redis: RedisServerHandle;
let connection: RedisConnection;

async function connect(url: string, keyPrefix: string): Promise<RedisConnection> {
  const c = createRedisConnection({ url, keyPrefix, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
  await c.connect({ timeoutMs: 5000 });
  return c;
}

beforeAll(async () => {
  redis = await startRedisServer();
  connection = await connect(redis.url, 'quota-contract:');
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

runQuotaStoreContract('memory', () => new MemoryQuotaStore());
runQuotaStoreContract('redis', () => new RedisQuotaStore({ connection }));

describe('RedisQuotaStore', () => {
  it('keeps counts under the connection prefix, expiring windows when asked', async () => {
    const store = new RedisQuotaStore({ connection });
    await store.reserve('t:acme:quota:requests:86400s1', 1, 10, Date.now() + 60_000);
    await store.reserve('t:acme:quota:seats', 2, 10);
    expect(await connection.client.get('quota-contract:t:acme:quota:requests:86400s1')).toBe('1');
    const ttl = await connection.client.pttl('quota-contract:t:acme:quota:requests:86400s1');
    expect(ttl).toBeGreaterThan(55_000);
    expect(await connection.client.pttl('quota-contract:t:acme:quota:seats')).toBe(-1);
  });

  it('answers 503 REDIS_UNAVAILABLE quickly while Redis is gone, and works again when it is back', async () => {
    const server = await startRedisServer();
    const own = await connect(server.url, 'outage:');
    try {
      const store = new RedisQuotaStore({ connection: own, timeoutMs: 300 });
      expect((await store.reserve('k', 1, 10)).admitted).toBe(true);
      await server.kill();
      const err = await store.reserve('k', 1, 10).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'REDIS_UNAVAILABLE', status: 503, headers: { 'Retry-After': '1' } });
      await expect(store.usage('k')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
      await server.restart();
      await own.connect({ timeoutMs: 5000 });
      // The restarted server is empty (no persistence): counting starts again, scripts reload.
      expect(await store.reserve('k', 1, 10)).toEqual({ admitted: true, used: 1 });
    } finally {
      await own.close().catch(() => undefined);
      await server.stop();
    }
  });
});

describe('MemoryQuotaStore', () => {
  it('drops expired windows by itself', async () => {
    const store = new MemoryQuotaStore({ sweepIntervalMs: 50 });
    for (let i = 0; i < 20; i++) await store.reserve(`w${i}`, 1, 5, Date.now() + 30);
    expect(store.size).toBe(20);
    await expect.poll(() => store.size, { timeout: 2000 }).toBe(0);
    await store.close();
  });
});
