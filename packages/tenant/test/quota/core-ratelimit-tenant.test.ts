import type { Server } from 'node:http';
import { RateLimiter, rateLimit } from '@koaforge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, serve } from './serve.js';

const servers: Server[] = [];
afterEach(() => closeAll(servers));

/**
 * Core's limiter keyed by tenant (`key: 'tenant'`) reads the tenant this package puts in the
 * request context. The tenant is set by a stand-in middleware (see serve.ts); resolution itself
 * is tested elsewhere.
 */
describe("core's rate limits keyed by tenant", () => {
  it('a flood from tenant A never produces a 429 for tenant B', async () => {
    const limiter = new RateLimiter();
    const base = await serve(
      (app) => app.use(limiter.middleware({ name: 'per-tenant', key: 'tenant', limit: 5, window: '1m' })),
      servers,
    );
    const flood = await Promise.all(
      Array.from({ length: 40 }, () => fetch(`${base}/hello`, { headers: { 'x-tenant': 'acme' } })),
    );
    expect(flood.filter((r) => r.status === 429).length).toBe(35);
    const limited = flood.find((r) => r.status === 429)!;
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    for (let i = 0; i < 5; i++) {
      const b = await fetch(`${base}/hello`, { headers: { 'x-tenant': 'globex' } });
      expect(b.status).toBe(200);
    }
  });

  it('works as a route guard with rateLimit() too', async () => {
    const base = await serve(
      (_app, router) =>
        router.get('/limited', rateLimit({ name: 'tenant-route', key: 'tenant', limit: 2, window: '1m' }), (ctx) => {
          ctx.body = 'ok';
        }),
      servers,
    );
    const call = (t: string) => fetch(`${base}/limited`, { headers: { 'x-tenant': t } }).then((r) => r.status);
    expect([await call('acme'), await call('acme'), await call('acme')]).toEqual([200, 200, 429]);
    expect([await call('globex'), await call('globex')]).toEqual([200, 200]);
  });
});
