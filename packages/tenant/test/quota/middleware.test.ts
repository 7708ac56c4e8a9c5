import type { Server } from 'node:http';
import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { startRedisServer } from '@koaforge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryQuotaStore,
  type QuotaStore,
  RedisQuotaStore,
  requireQuota,
  TenantQuotas,
  tenantQuota,
} from '../../src/index.js';
import { closeAll, serve } from './serve.js';

const servers: Server[] = [];
afterEach(() => closeAll(servers));

function get(base: string, tenant?: string, path = '/hello', headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, { headers: { ...(tenant ? { 'x-tenant': tenant } : {}), ...headers } });
}

function makeQuotas(store: QuotaStore = new MemoryQuotaStore()) {
  return new TenantQuotas({
    quotas: {
      requests: { kind: 'period', period: 'hour', default: 2 },
      storageBytes: { kind: 'gauge', default: 100 },
    },
    store,
  });
}

describe('tenantQuota middleware', () => {
  it('counts requests per tenant and answers 429 TENANT_QUOTA_EXCEEDED with Retry-After and RateLimit fields', async () => {
    const quotas = makeQuotas();
    const base = await serve((app) => app.use(tenantQuota({ quota: 'requests', quotas })), servers);
    const first = await get(base, 'acme');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"quota-requests";q=2;w=3600');
    expect(first.headers.get('ratelimit')).toMatch(/^"quota-requests";r=1;t=\d+$/);
    expect((await get(base, 'acme')).status).toBe(200);
    const refused = await get(base, 'acme');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit')).toMatch(/^"quota-requests";r=0;t=\d+$/);
    const body = await refused.json();
    expect(body).toMatchObject({ code: 'TENANT_QUOTA_EXCEEDED', status: 429, quota: 'requests', limit: 2 });
    // Another tenant is untouched; requests without a tenant are not counted.
    expect((await get(base, 'globex')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get(base)).status).toBe(200);
  });

  it('as a route guard: a gauge checks headroom, and a tenant is required', async () => {
    const quotas = makeQuotas();
    await quotas.reserve('storageBytes', 60, 'acme');
    const base = await serve(
      (_app, router) =>
        router.get(
          '/upload',
          requireQuota('storageBytes', { quotas, cost: (ctx) => Number(ctx.get('x-size')) || 0 }),
          (ctx) => {
            ctx.body = 'ok';
          },
        ),
      servers,
    );
    expect((await get(base, 'acme', '/upload', { 'x-size': '40' })).status).toBe(200);
    const refused = await get(base, 'acme', '/upload', { 'x-size': '41' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(await refused.json()).toMatchObject({ quota: 'storageBytes', requested: 41 });
    const anonymous = await get(base, undefined, '/upload');
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toMatchObject({ code: 'TENANT_REQUIRED' });
  });

  it('never over-admits when requests race at the limit (Redis store, three connections)', async () => {
    const redis = await startRedisServer();
    const connections: RedisConnection[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = createRedisConnection({ url: redis.url, keyPrefix: 'race:' });
        await c.connect({ timeoutMs: 5000 });
        connections.push(c);
      }
      // Three "processes", each with its own store and connection, sharing one Redis.
      const sets = connections.map(
        (connection) =>
          new TenantQuotas({
            quotas: { requests: { kind: 'period', period: 'day', default: 20 } },
            store: new RedisQuotaStore({ connection }),
          }),
      );
      const bases = await Promise.all(
        sets.map((quotas) => serve((app) => app.use(tenantQuota({ quota: 'requests', quotas })), servers)),
      );
      const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => get(bases[i % 3]!, 'acme')));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(70);
    } finally {
      await Promise.all(connections.map((c) => c.close()));
      await redis.stop();
    }
  });

  it('answers 503 while Redis is gone (the process keeps serving), or admits with onStoreDown: open', async () => {
    const redis = await startRedisServer();
    const connection = createRedisConnection({
      url: redis.url,
      keyPrefix: 'down:',
      reconnect: { minDelayMs: 20, maxDelayMs: 200 },
    });
    await connection.connect({ timeoutMs: 5000 });
    try {
      const quotas = makeQuotas(new RedisQuotaStore({ connection, timeoutMs: 300 }));
      const base = await serve((app, router) => {
        router.get('/open', tenantQuota({ quota: 'requests', quotas, onStoreDown: 'open' }), (ctx) => {
          ctx.body = 'open';
        });
        app.use((ctx, next) => (ctx.path === '/open' ? next() : tenantQuota({ quota: 'requests', quotas })(ctx, next)));
      }, servers);
      expect((await get(base, 'acme')).status).toBe(200);
      await redis.kill();
      const down = await get(base, 'acme');
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('1');
      expect(await down.json()).toMatchObject({ code: 'REDIS_UNAVAILABLE' });
      expect((await get(base, 'acme', '/open')).status).toBe(200);
      expect((await get(base)).status).toBe(200); // no tenant: nothing to count
      await redis.restart();
      await connection.connect({ timeoutMs: 5000 });
      expect((await get(base, 'acme')).status).toBe(200);
    } finally {
      await connection.close().catch(() => undefined);
      await redis.stop();
    }
  });
});
