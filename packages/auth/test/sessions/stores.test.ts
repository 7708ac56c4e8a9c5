import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { MemoryRefreshTokenStore } from '../../src/sessions/memory-refresh-token-store.js';
import { MemoryRevocationStore } from '../../src/sessions/memory-revocation-store.js';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.js';
import { RedisRefreshTokenStore } from '../../src/sessions/redis-refresh-token-store.js';
import { RedisRevocationStore } from '../../src/sessions/redis-revocation-store.js';
import { RedisSessionStore } from '../../src/sessions/redis-session-store.js';
import { refreshTokenStoreContract } from './refresh-token-store.contract.js';
import { revocationStoreContract } from './revocation-store.contract.js';
import { sessionStoreContract } from './session-store.contract.js';

let redis: RedisServerHandle;
let connection: RedisConnection;
const revocationStores: RedisRevocationStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  connection = createRedisConnection({ url: redis.url, keyPrefix: 'contract:' });
  await connection.connect();
});
afterAll(async () => {
  for (const store of revocationStores) await store.close();
  await connection?.close();
  await redis?.stop();
});

sessionStoreContract('memory', () => new MemorySessionStore());
sessionStoreContract('redis', () => new RedisSessionStore({ connection }));
refreshTokenStoreContract('memory', () => new MemoryRefreshTokenStore());
refreshTokenStoreContract('redis', () => new RedisRefreshTokenStore({ connection }));
revocationStoreContract('memory', () => new MemoryRevocationStore());
revocationStoreContract('redis', () => {
  const store = new RedisRevocationStore({ connection });
  revocationStores.push(store);
  return store;
});
