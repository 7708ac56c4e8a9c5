import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryMfaStore } from '../../src/mfa/memory-mfa-store.js';
import { RedisMfaStore } from '../../src/mfa/redis-mfa-store.js';
import { runMfaStoreContract } from './mfa-store.contract.js';

let server: RedisServerHandle;
let connection: RedisConnection;

beforeAll(async () => {
  server = await startRedisServer();
  connection = createRedisConnection({ url: server.url, keyPrefix: 'mfa-test:' });
  await connection.connect({ timeoutMs: 5000 });
});
afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

runMfaStoreContract('memory', () => new MemoryMfaStore());
runMfaStoreContract('redis', () => new RedisMfaStore({ connection }));

describe('RedisMfaStore keys', () => {
  it("keep one user's keys under one hash tag (one Cluster slot), with braces in ids escaped", async () => {
    const store = new RedisMfaStore({ connection });
    const userId = 'we{ird}%id';
    await store.put({ userId, secret: 'v1:a:b:c', enabled: true, createdAt: 1, recoveryCodes: ['h'] });
    await store.recordFailure(userId, { windowMs: 10_000, max: 5, lockMs: 10_000 });
    const keys = (await connection.client.keys('mfa-test:auth:mfa:{we*')).sort();
    expect(keys).toEqual([
      'mfa-test:auth:mfa:{we%7Bird%7D%25id}',
      'mfa-test:auth:mfa:{we%7Bird%7D%25id}:fail',
      'mfa-test:auth:mfa:{we%7Bird%7D%25id}:rc',
    ]);
    expect((await store.get(userId))?.userId).toBe(userId);
  });
});
