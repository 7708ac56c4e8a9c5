import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CachedTenantRegistry } from '../../src/registry/cached.js';
import type { TenantRecord } from '../../src/types.js';
import { connectRedis, instance, waitFor } from './redis-support.js';

const ACME: TenantRecord = { id: 'acme', name: 'Acme', domains: ['app.acme.com'] };

describe('CachedTenantRegistry', () => {
  it('loads each tenant once per TTL, remembers unknown ones, and shares one load among concurrent misses', async () => {
    const load = vi.fn(async (id: string) => {
      await new Promise((r) => setTimeout(r, 10));
      return id === 'acme' ? ACME : undefined;
    });
    const registry = new CachedTenantRegistry({ load, ttlMs: 60_000, negativeTtlMs: 60_000 });
    const found = await Promise.all(Array.from({ length: 50 }, () => registry.get('acme')));
    expect(found.every((r) => r?.id === 'acme')).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 20; i++) expect(await registry.get('made-up')).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
    expect(registry.peek('acme')).toMatchObject({ id: 'acme' });
    expect(registry.peek('made-up')).toBeNull();
    expect(registry.peek('never-asked')).toBeUndefined();
  });

  it('reloads after the TTL', async () => {
    let name = 'Acme';
    const registry = new CachedTenantRegistry({ load: async () => ({ id: 'acme', name }), ttlMs: 30 });
    expect((await registry.get('acme'))?.name).toBe('Acme');
    name = 'Acme Corp';
    expect((await registry.get('acme'))?.name).toBe('Acme');
    await new Promise((r) => setTimeout(r, 40));
    expect(registry.peek('acme')).toBeUndefined();
    expect((await registry.get('acme'))?.name).toBe('Acme Corp');
  });

  it('a loader that throws: 503 TENANT_REGISTRY_UNAVAILABLE, nothing cached, next call tries again', async () => {
    let fail = true;
    const registry = new CachedTenantRegistry({
      load: async () => {
        if (fail) throw new Error('connection refused');
        return ACME;
      },
    });
    await expect(registry.get('acme')).rejects.toMatchObject({
      code: 'TENANT_REGISTRY_UNAVAILABLE',
      status: 503,
      retryable: true,
    });
    expect(registry.peek('acme')).toBeUndefined();
    fail = false;
    expect((await registry.get('acme'))?.id).toBe('acme');
  });

  it('an invalidation during a load keeps the stale answer out of the cache', async () => {
    let release: () => void = () => undefined;
    let version = 1;
    const registry = new CachedTenantRegistry({
      load: async (id) => {
        const v = version;
        await new Promise<void>((r) => {
          release = r;
        });
        return { id, name: `v${v}` };
      },
    });
    const first = registry.get('acme');
    await new Promise((r) => setImmediate(r));
    version = 2;
    await registry.invalidate('acme');
    release();
    expect((await first)?.name).toBe('v1');
    expect(registry.peek('acme')).toBeUndefined();
    const second = registry.get('acme');
    await new Promise((r) => setImmediate(r));
    release();
    expect((await second)?.name).toBe('v2');
  });
});

describe('CachedTenantRegistry across instances (shared Redis level, event bus on Redis)', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.stop());

  it('a cold instance reads the shared level instead of the database; an invalidation reaches every instance', async () => {
    let db: TenantRecord = { ...ACME };
    const load = vi.fn(async (id: string) => (id === db.id ? db : undefined));
    const a = await instance(redis.url, 'cached-x:');
    const b = await instance(redis.url, 'cached-x:');
    const one = new CachedTenantRegistry({ load, redis: a.connection, bus: a.bus });
    const two = new CachedTenantRegistry({ load, redis: b.connection, bus: b.bus });
    try {
      expect((await one.get('acme'))?.name).toBe('Acme');
      expect((await two.get('acme'))?.name).toBe('Acme');
      expect(load).toHaveBeenCalledTimes(1);

      const heard: unknown[] = [];
      two.onChange((change) => heard.push(change));
      db = { ...db, status: 'suspended' };
      await one.invalidate('acme');
      await waitFor(() => heard.length === 1);
      expect(heard).toEqual([{ id: 'acme', change: 'updated' }]);
      expect(two.peek('acme')).toBeUndefined();
      expect((await two.get('acme'))?.status).toBe('suspended');
    } finally {
      one.close();
      two.close();
      for (const i of [a, b]) {
        await i.bus.close();
        await i.connection.close();
      }
    }
  });

  it('Redis going away only skips the shared level: tenants still load from the database', async () => {
    const server = await startRedisServer();
    const connection = await connectRedis(server.url, 'cached-down:');
    const load = vi.fn(async (id: string) => ({ id }));
    const registry = new CachedTenantRegistry({ load, redis: connection, ttlMs: 20 });
    try {
      await registry.get('acme');
      await server.kill();
      await waitFor(() => connection.client.status !== 'ready');
      // Redis down only skips the shared level: the loader answers.
      expect((await registry.get('globex'))?.id).toBe('globex');
      await server.restart();
      await waitFor(() => connection.client.status === 'ready');
      await new Promise((r) => setTimeout(r, 30));
      await registry.get('umbrella');
      expect(await connection.client.get('cached-down:tenant:cache:umbrella')).toContain('"umbrella"');
    } finally {
      registry.close();
      await connection.close().catch(() => undefined);
      await server.stop();
    }
  });
});
