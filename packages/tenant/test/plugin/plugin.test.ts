import { type App, eventBusPlugin, redisPlugin } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryTenantRegistry } from '../../src/registry/memory.js';
import { RedisTenantRegistry } from '../../src/registry/redis.js';
import { StaticTenantRegistry } from '../../src/registry/static.js';
import { TenantRegistryToken } from '../../src/wiring/tokens.js';
import { waitFor } from '../registry/redis-support.js';
import { type BootOptions, boot, call } from '../resolve/stack.js';

const running: App[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

async function start(options: BootOptions = {}) {
  const started = await boot(options);
  running.push(started.app);
  return started;
}

describe('tenantPlugin', () => {
  it('registers the static registry from config under TenantRegistryToken and resolves in phase tenant', async () => {
    const { app, base } = await start();
    const registry = app.container.resolve(TenantRegistryToken);
    expect(registry).toBeInstanceOf(StaticTenantRegistry);
    expect(await registry.get('acme')).toMatchObject({ name: 'Acme' });
    const phases = app.bootReport().middleware.map((m) => `${m.phase}:${m.owner}`);
    expect(phases).toContain('tenant:tenant');
    expect(phases.indexOf('authenticate:test-auth')).toBeLessThan(phases.indexOf('tenant:tenant'));
    expect((await call(base, '/whoami', { 'x-tenant-id': 'acme' })).body.tenant).toMatchObject({ id: 'acme' });
  });

  it('memory kind: run-time changes apply to the next request and reach onChange', async () => {
    const { app, base } = await start({ tenant: { registry: { kind: 'memory' } } });
    const registry = app.container.resolve(TenantRegistryToken) as MemoryTenantRegistry;
    expect(registry).toBeInstanceOf(MemoryTenantRegistry);
    const removed: string[] = [];
    registry.onChange(({ id, change }) => change === 'removed' && removed.push(id));
    registry.put({ id: 'hooli', name: 'Hooli' });
    expect((await call(base, '/whoami', { 'x-tenant-id': 'hooli' })).status).toBe(200);
    registry.remove('hooli');
    expect(removed).toEqual(['hooli']);
    expect((await call(base, '/whoami', { 'x-tenant-id': 'hooli' })).status).toBe(404);
  });

  it('a loader option: the app’s database behind a CachedTenantRegistry', async () => {
    const load = vi.fn(async (id: string) => (id === 'db-tenant' ? { id, name: 'From DB' } : undefined));
    const { base } = await start({ plugin: { loader: { load } } });
    for (let i = 0; i < 3; i++) {
      const res = await call(base, '/whoami', { 'x-tenant-id': 'db-tenant' });
      expect(res.body.tenant).toMatchObject({ id: 'db-tenant', name: 'From DB' });
    }
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('refuses bad config at boot', async () => {
    await expect(start({ tenant: { idPattern: '(' } })).rejects.toThrow(/idPattern|regular expression/);
    await expect(start({ tenant: { anonymous: 'sometimes' } })).rejects.toThrow(/anonymous/);
    await expect(start({ tenant: { tenants: [{ id: 'x', status: 'deleted' }] } })).rejects.toThrow(/status/);
    await expect(start({ tenant: { registry: { kind: 'redis' } } })).rejects.toThrow(/redisPlugin/);
  });
});

describe('tenantPlugin isolation wiring', () => {
  const quotaConfig = {
    registry: { kind: 'memory' },
    quotas: { requests: { kind: 'period', period: 'day', default: 3 }, seats: { kind: 'gauge', default: 2 } },
    requestQuota: 'requests',
    tenants: [
      { id: 'acme', name: 'Acme', quotas: { requests: 2 } },
      { id: 'globex', name: 'Globex' },
    ],
  };

  it('counts tenant.requestQuota per tenant in phase limit: acme exhausted never limits globex', async () => {
    const { app, base } = await start({ tenant: quotaConfig });
    const phases = app.bootReport().middleware.map((m) => `${m.phase}:${m.owner}`);
    expect(phases).toContain('limit:tenant');
    const acme = [];
    for (let i = 0; i < 3; i++) acme.push(await call(base, '/whoami', { 'x-tenant-id': 'acme' }));
    expect(acme.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(acme[2]?.body).toMatchObject({ code: 'TENANT_QUOTA_EXCEEDED', quota: 'requests' });
    expect(Number(acme[2]?.headers['retry-after'])).toBeGreaterThan(0);
    // globex has the default limit (3) and its own counter.
    const globex = [];
    for (let i = 0; i < 3; i++) globex.push((await call(base, '/whoami', { 'x-tenant-id': 'globex' })).status);
    expect(globex).toEqual([200, 200, 200]);
    // Requests without a tenant are not counted.
    expect((await call(base, '/whoami')).status).toBe(200);
  });

  it('registers services, settings and quotas; a removed tenant’s services are disposed', async () => {
    const { TenantServicesToken } = await import('../../src/services/tenant-services.js');
    const { TenantSettingsToken } = await import('../../src/settings/tenant-settings.js');
    const { TenantQuotasToken } = await import('../../src/quota/tenant-quotas.js');
    const { createToken } = await import('@koaforge/core');
    const { app } = await start({ tenant: quotaConfig });
    const services = app.container.resolve(TenantServicesToken);
    const disposed: string[] = [];
    const Client = createToken<{ tenant: string }>('TestClient');
    services.define(Client, {
      factory: (tenant) => ({ tenant: tenant.id }),
      dispose: (client) => {
        disposed.push(client.tenant);
      },
    });
    expect(await services.get(Client, 'acme')).toEqual({ tenant: 'acme' });
    expect(await services.get(Client, 'globex')).toEqual({ tenant: 'globex' });
    const registry = app.container.resolve(TenantRegistryToken) as MemoryTenantRegistry;
    registry.remove('acme');
    await waitFor(() => disposed.includes('acme'));
    expect(disposed).toEqual(['acme']);
    const quotas = app.container.resolve(TenantQuotasToken);
    expect((await quotas.reserve('seats', 2, 'globex')).admitted).toBe(true);
    expect((await quotas.reserve('seats', 1, 'globex')).admitted).toBe(false);
    expect(app.container.resolve(TenantSettingsToken)).toBeDefined();
    await app.stop();
    // Stopping the app disposes the rest.
    expect(disposed).toEqual(['acme', 'globex']);
  });

  it('per-tenant settings: merged over the app config, validated by its schema, re-read after a change', async () => {
    const { TenantSettingsToken } = await import('../../src/settings/tenant-settings.js');
    const { z } = await import('zod');
    const Uploads = z.object({
      maxBytes: z.number().int().positive().default(1000),
      types: z.array(z.string()).default(['pdf']),
    });
    const { app } = await start({ tenant: quotaConfig, config: { uploads: { maxBytes: 5000 } } });
    const settings = app.container.resolve(TenantSettingsToken);
    const registry = app.container.resolve(TenantRegistryToken) as MemoryTenantRegistry;
    expect(await settings.get('uploads', Uploads, 'globex')).toEqual({ maxBytes: 5000, types: ['pdf'] });
    registry.put({ id: 'globex', name: 'Globex', settings: { uploads: { maxBytes: 9000 } } });
    // The registry's change event dropped the cached value: the next read sees the override.
    expect(await settings.get('uploads', Uploads, 'globex')).toEqual({ maxBytes: 9000, types: ['pdf'] });
    registry.put({ id: 'globex', name: 'Globex', settings: { uploads: { maxBytes: -1 } } });
    await expect(settings.get('uploads', Uploads, 'globex')).rejects.toMatchObject({ code: 'TENANT_CONFIG_INVALID' });
  });

  it('refuses a request quota that is not a period quota', async () => {
    await expect(start({ tenant: { ...quotaConfig, requestQuota: 'seats' } })).rejects.toThrow(/period quota/);
    await expect(start({ tenant: { ...quotaConfig, quotaStore: 'redis' } })).rejects.toThrow(/redisPlugin/);
  });
});

describe('tenantPlugin with the redis registry', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.stop());

  async function redisApp(prefix: string, server = redis) {
    return start({
      tenant: { registry: { kind: 'redis', cacheTtlMs: 600_000 } },
      extra: (app) => {
        app.register(redisPlugin);
        app.register(eventBusPlugin);
      },
      config: { redis: { url: server.url, keyPrefix: prefix, reconnect: { minDelayMs: 20, maxDelayMs: 200 } } },
    });
  }

  it('seeds configured tenants, and two apps sharing Redis see each other’s changes at once', async () => {
    const one = await redisApp('plugin-shared:');
    const two = await redisApp('plugin-shared:');
    expect((await call(two.base, '/whoami', { 'x-tenant-id': 'globex' })).status).toBe(200);
    const registry = one.app.container.resolve(TenantRegistryToken) as RedisTenantRegistry;
    expect(registry).toBeInstanceOf(RedisTenantRegistry);
    await registry.suspend('globex');
    await waitFor(async () => (await call(two.base, '/whoami', { 'x-tenant-id': 'globex' })).status === 404);
  });

  it('Redis going away: a clear 503 for tenants not held locally, the app keeps running and recovers', async () => {
    const server = await startRedisServer();
    try {
      const { base } = await redisApp('plugin-outage:', server);
      expect((await call(base, '/whoami', { 'x-tenant-id': 'acme' })).status).toBe(200);
      await server.kill();
      const down = await call(base, '/whoami', { 'x-tenant-id': 'globex' });
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ code: 'TENANT_REGISTRY_UNAVAILABLE', status: 503 });
      // Held locally: still answered; no tenant: not affected.
      expect((await call(base, '/whoami', { 'x-tenant-id': 'acme' })).status).toBe(200);
      expect((await call(base, '/whoami')).status).toBe(200);
      await server.restart();
      // The restarted Redis is empty: seed again through the registry, as an operator would.
      const app = running.at(-1)!;
      const registry = app.container.resolve(TenantRegistryToken) as RedisTenantRegistry;
      await waitFor(async () => {
        try {
          await registry.put({ id: 'globex', name: 'Globex' });
          return true;
        } catch {
          return false;
        }
      });
      expect((await call(base, '/whoami', { 'x-tenant-id': 'globex' })).status).toBe(200);
    } finally {
      await Promise.all(running.splice(0).map((app) => app.stop()));
      await server.stop();
    }
  });
});
