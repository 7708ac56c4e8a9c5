import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { CachedTenantRegistry } from '../../src/registry/cached.js';
import { MemoryTenantRegistry } from '../../src/registry/memory.js';
import { RedisTenantRegistry } from '../../src/registry/redis.js';
import { StaticTenantRegistry } from '../../src/registry/static.js';
import type { TenantRecord } from '../../src/types.js';
import { connectRedis } from './redis-support.js';
import { type RegistryUnderTest, runRegistryContract } from './registry.contract.js';

let redis: RedisServerHandle;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await startRedisServer();
  connection = await connectRedis(redis.url, 'contract:');
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

/** A connection view with its own key prefix, so cases never share keys. */
const isolated = (): RedisConnection => {
  const prefix = `contract:${randomUUID().slice(0, 8)}:`;
  return Object.assign(Object.create(connection) as RedisConnection, {
    keyPrefix: prefix,
    key: (...parts: string[]) => prefix + parts.join(':'),
  });
};

/** The app's own store behind a CachedTenantRegistry; changes go to the store, then `invalidate`. */
function cached(seed: TenantRecord[], redisLevel: boolean): RegistryUnderTest {
  const store = new MemoryTenantRegistry({ tenants: seed });
  const registry = new CachedTenantRegistry({
    load: (id) => store.get(id),
    loadByDomain: (host) => store.byDomain(host),
    ...(redisLevel ? { redis: isolated() } : {}),
  });
  return {
    registry,
    put: async (record) => {
      store.put(record);
      await registry.invalidate(record.id);
    },
    remove: async (id) => {
      store.remove(id);
      await registry.invalidate(id, 'removed');
    },
    close: async () => registry.close(),
  };
}

runRegistryContract('static', async (seed) => ({ registry: new StaticTenantRegistry(seed) }));
runRegistryContract('memory', async (seed) => {
  const registry = new MemoryTenantRegistry({ tenants: seed });
  return { registry, put: async (r) => registry.put(r), remove: async (id) => registry.remove(id) };
});
runRegistryContract('cached', async (seed) => cached(seed, false));
runRegistryContract('cached + redis level', async (seed) => cached(seed, true));
runRegistryContract('redis', async (seed) => {
  const registry = new RedisTenantRegistry({ connection: isolated() });
  for (const record of seed) await registry.put(record);
  return {
    registry,
    put: (r) => registry.put(r),
    remove: (id) => registry.remove(id),
    close: async () => registry.close(),
  };
});
