import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTenantRegistry } from '../../src/registry/redis.js';
import type { TenantChange } from '../../src/types.js';
import { connectRedis, instance, waitFor } from './redis-support.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

describe('RedisTenantRegistry status changes', () => {
  it('suspend never loses a change another instance wrote between its read and its write', async () => {
    const a = await connectRedis(redis.url, 'cas:');
    const b = await connectRedis(redis.url, 'cas:');
    const one = new RedisTenantRegistry({ connection: a });
    const two = new RedisTenantRegistry({ connection: b });
    try {
      await one.put({ id: 'acme', name: 'Acme', settings: { plan: 'free' } });
      // Instance two changes the record right after instance one has read it for `suspend`.
      const client = a.client as unknown as { hget: (...args: unknown[]) => Promise<string | null> };
      const hget = client.hget.bind(client);
      let raced = false;
      client.hget = async (...args: unknown[]) => {
        const json = await hget(...args);
        if (!raced) {
          raced = true;
          await two.put({ id: 'acme', name: 'Acme', settings: { plan: 'pro' } });
        }
        return json;
      };
      expect(await one.suspend('acme')).toBe(true);
      client.hget = hget;
      const stored = await new RedisTenantRegistry({ connection: b }).get('acme');
      expect(stored).toMatchObject({ status: 'suspended', settings: { plan: 'pro' } });
    } finally {
      one.close();
      two.close();
      await a.close();
      await b.close();
    }
  });
});

describe('RedisTenantRegistry across instances', () => {
  it('a change on one instance drops the cached copy on the other at once (event bus), and tells its onChange', async () => {
    const a = await instance(redis.url, 'shared:');
    const b = await instance(redis.url, 'shared:');
    // A long TTL: only the event can explain instance B seeing the change.
    const one = new RedisTenantRegistry({ connection: a.connection, bus: a.bus, cacheTtlMs: 600_000 });
    const two = new RedisTenantRegistry({ connection: b.connection, bus: b.bus, cacheTtlMs: 600_000 });
    try {
      await one.put({ id: 'acme', name: 'Acme', domains: ['app.acme.com'] });
      expect((await two.get('acme'))?.status).toBeUndefined();
      expect((await two.byDomain('app.acme.com'))?.id).toBe('acme');
      expect(two.peek('acme')).toMatchObject({ id: 'acme' });

      const heard: TenantChange[] = [];
      two.onChange((c) => heard.push(c));
      await one.suspend('acme');
      await waitFor(() => heard.length === 1);
      expect(two.peek('acme')).toBeUndefined();
      expect((await two.get('acme'))?.status).toBe('suspended');

      await one.remove('acme');
      await waitFor(() => heard.length === 2);
      expect(heard).toEqual([
        { id: 'acme', change: 'updated' },
        { id: 'acme', change: 'removed' },
      ]);
      expect(await two.get('acme')).toBeUndefined();
      expect(await two.byDomain('app.acme.com')).toBeUndefined();
    } finally {
      one.close();
      two.close();
      for (const i of [a, b]) {
        await i.bus.close();
        await i.connection.close();
      }
    }
  });

  it('lists tenants and seeds only absent ones', async () => {
    const connection = await connectRedis(redis.url, 'seed:');
    const registry = new RedisTenantRegistry({ connection });
    try {
      await registry.put({ id: 'acme', name: 'Acme', status: 'suspended' });
      expect(await registry.putIfAbsent({ id: 'acme', name: 'Acme' })).toBe(false);
      expect(await registry.putIfAbsent({ id: 'globex' })).toBe(true);
      expect((await registry.get('acme'))?.status).toBe('suspended');
      expect((await registry.list()).map((r) => r.id).sort()).toEqual(['acme', 'globex']);
    } finally {
      registry.close();
      await connection.close();
    }
  });
});

describe('RedisTenantRegistry when Redis goes away', () => {
  it('answers 503 at once for what it does not hold, keeps answering what it holds, and recovers', async () => {
    const server = await startRedisServer();
    const connection = await connectRedis(server.url, 'outage:');
    const registry = new RedisTenantRegistry({ connection, cacheTtlMs: 600_000 });
    try {
      await registry.put({ id: 'acme' });
      await registry.put({ id: 'globex' });
      await registry.get('acme');
      await server.kill();
      await waitFor(() => connection.client.status !== 'ready');

      // Failing fast (not waiting for a reconnect) is by construction: the command is not sent
      // while the client is not ready. No wall-clock assertion here (tests never time things).
      await expect(registry.get('globex')).rejects.toMatchObject({
        code: 'TENANT_REGISTRY_UNAVAILABLE',
        status: 503,
      });
      expect((await registry.get('acme'))?.id).toBe('acme');
      await expect(registry.put({ id: 'umbrella' })).rejects.toMatchObject({ code: 'TENANT_REGISTRY_UNAVAILABLE' });

      await server.restart();
      await waitFor(async () => {
        try {
          await registry.put({ id: 'globex' });
          return true;
        } catch {
          return false;
        }
      });
      expect((await registry.get('globex'))?.id).toBe('globex');
    } finally {
      registry.close();
      await connection.close().catch(() => undefined);
      await server.stop();
    }
  });
});
