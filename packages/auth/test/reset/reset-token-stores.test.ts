import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryResetTokenStore } from '../../src/reset/memory-reset-token-store.js';
import { RedisResetTokenStore } from '../../src/reset/redis-reset-token-store.js';
import { runResetTokenStoreContract } from './reset-token-store.contract.js';

let server: RedisServerHandle;
let connection: RedisConnection;

beforeAll(async () => {
  server = await startRedisServer();
  connection = createRedisConnection({ url: server.url, keyPrefix: 'reset-test:' });
  await connection.connect({ timeoutMs: 5000 });
});
afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

runResetTokenStoreContract('memory', () => new MemoryResetTokenStore());
runResetTokenStoreContract('redis', () => new RedisResetTokenStore({ connection }));

describe('RedisResetTokenStore keys', () => {
  it('hold only the hash and the user id, under the connection prefix, expiring with the token', async () => {
    const store = new RedisResetTokenStore({ connection });
    const hash = 'a'.repeat(64);
    await store.put(hash, { userId: 'u-keys', expiresAt: 123 }, 30_000);
    const keys = await connection.client.keys('reset-test:auth:reset:*');
    expect(keys).toEqual(expect.arrayContaining([`reset-test:auth:reset:t:${hash}`, 'reset-test:auth:reset:u:u-keys']));
    expect(
      keys.every((k) => k.startsWith('reset-test:auth:reset:t:') || k.startsWith('reset-test:auth:reset:u:')),
    ).toBe(true);
    expect(await connection.client.get(`reset-test:auth:reset:t:${hash}`)).toBe('{"userId":"u-keys","expiresAt":123}');
    expect(await connection.client.pttl('reset-test:auth:reset:u:u-keys')).toBeGreaterThan(29_000);
  });
});
