import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { requestContext } from '../../src/context/request-context.js';
import { errorBoundary } from '../../src/errors/boundary.js';
import { createLogger } from '../../src/logging/index.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { RateLimiter, type RateLimiterOptions } from '../../src/ratelimit/limiter.js';
import type { RateLimitPolicy } from '../../src/ratelimit/policy.js';
import { rateLimit } from '../../src/ratelimit/route-guard.js';
import { logSink } from '../helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/**
 * Plain Koa with the core pieces a rate limit relies on, and a stand-in authenticator: `x-user`
 * sets a user principal, `x-api-key` an API-key principal, `x-tenant` the tenant.
 */
async function serve(limit: (app: Koa, router: Router) => void): Promise<string> {
  const app = new Koa();
  const router = new Router();
  app.use(requestContext({ logger: createLogger({ destination: logSink().stream }) }));
  app.use(errorBoundary());
  app.use((ctx, next) => {
    const rc = ctx.state.requestContext!;
    const user = ctx.get('x-user');
    const apiKey = ctx.get('x-api-key');
    if (user) rc.setPrincipal({ id: user, type: 'user' });
    if (apiKey) rc.setPrincipal({ id: apiKey, type: 'apiKey' });
    if (ctx.get('x-tenant')) rc.setTenant({ id: ctx.get('x-tenant') });
    return next();
  });
  limit(app, router);
  router.get('/hello', (ctx) => {
    ctx.body = { hello: 'world' };
  });
  router.post('/hello', (ctx) => {
    ctx.body = { hello: 'post' };
  });
  app.use(router.routes());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function limited(policy: RateLimitPolicy | RateLimitPolicy[], options: RateLimiterOptions = {}) {
  const limiter = new RateLimiter(options);
  const list = Array.isArray(policy) ? policy : [policy];
  const base = await serve((app) => app.use(limiter.middleware(...list)));
  return { base, limiter };
}

async function call(base: string, path = '/hello', headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(base + path, { headers, method });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function statuses(base: string, n: number, headers: Record<string, string> = {}, path = '/hello') {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(base, path, headers)).status);
  return out;
}

describe('rate limit by key', () => {
  it('by client IP (default)', async () => {
    const { base } = await limited({ name: 'per-ip', limit: 3, window: '1m' });
    expect(await statuses(base, 4)).toEqual([200, 200, 200, 429]);
  });

  it('by principal, anonymous requests by IP', async () => {
    const { base } = await limited({ name: 'per-user', key: 'principal', limit: 2, window: '1m' });
    expect(await statuses(base, 3, { 'x-user': 'alice' })).toEqual([200, 200, 429]);
    expect(await statuses(base, 2, { 'x-user': 'bob' })).toEqual([200, 200]);
    expect(await statuses(base, 3)).toEqual([200, 200, 429]);
  });

  it('by principal, anonymous requests not limited with missingKey: skip', async () => {
    const { base } = await limited({ name: 'per-user', key: 'principal', missingKey: 'skip', limit: 1, window: '1m' });
    expect(await statuses(base, 3)).toEqual([200, 200, 200]);
    expect(await statuses(base, 2, { 'x-user': 'alice' })).toEqual([200, 429]);
  });

  it('by tenant', async () => {
    const { base } = await limited({ name: 'per-tenant', key: 'tenant', limit: 2, window: '1m' });
    expect(await statuses(base, 2, { 'x-tenant': 'acme', 'x-user': 'a' })).toEqual([200, 200]);
    expect(await statuses(base, 1, { 'x-tenant': 'acme', 'x-user': 'b' })).toEqual([429]);
    expect(await statuses(base, 1, { 'x-tenant': 'globex' })).toEqual([200]);
  });

  it('by API key (principals of type apiKey); users fall back to IP', async () => {
    const { base } = await limited({ name: 'per-key', key: 'apiKey', limit: 1, window: '1m' });
    expect(await statuses(base, 2, { 'x-api-key': 'k1' })).toEqual([200, 429]);
    expect(await statuses(base, 1, { 'x-api-key': 'k2' })).toEqual([200]);
  });

  it('by a custom key function', async () => {
    const { base } = await limited({
      name: 'per-client',
      key: (ctx) => ctx.get('x-client') || undefined,
      limit: 1,
      window: '1m',
    });
    expect(await statuses(base, 2, { 'x-client': 'app-1' })).toEqual([200, 429]);
    expect(await statuses(base, 1, { 'x-client': 'app-2' })).toEqual([200]);
  });
});

describe('several windows at once', () => {
  it('every window must admit; headers report the most restrictive one', async () => {
    const { base } = await limited({
      name: 'multi',
      windows: [
        { limit: 2, window: '1s' },
        { limit: 4, window: '1m' },
      ],
    });
    const r1 = await call(base);
    expect(r1.headers.get('ratelimit-policy')).toBe('"multi-1s";q=2;w=1, "multi-1m";q=4;w=60');
    expect(r1.headers.get('ratelimit')).toBe('"multi-1s";r=1;t=1');
    const r2 = await call(base);
    expect(r2.headers.get('ratelimit')).toBe('"multi-1s";r=0;t=1');
    const r3 = await call(base);
    expect(r3.status).toBe(429);
    expect(r3.body['violated-policies']).toEqual(['multi-1s']);
    expect(r3.headers.get('retry-after')).toBe('1');

    await sleep(1100);
    const r4 = await call(base); // per-second window is fresh; the minute window holds 4 (rejected ones count too)
    expect(r4.status).toBe(200);
    expect(r4.headers.get('ratelimit')).toMatch(/^"multi-1m";r=0;t=(59|60)$/);
    const r5 = await call(base);
    expect(r5.status).toBe(429);
    expect(r5.body['violated-policies']).toEqual(['multi-1m']);
    expect(Number(r5.headers.get('retry-after'))).toBeGreaterThan(50);
  });
});

describe('cost per request', () => {
  it('a number', async () => {
    const { base } = await limited({ name: 'costly', limit: 5, window: '1m', cost: 2 });
    const r = await call(base);
    expect(r.headers.get('ratelimit')).toMatch(/^"costly";r=3;t=\d+$/);
    expect(await statuses(base, 2)).toEqual([200, 429]);
  });

  it('a function of the request; 0 is free', async () => {
    const { base } = await limited({
      name: 'by-method',
      limit: 5,
      window: '1m',
      cost: (ctx) => (ctx.method === 'POST' ? 5 : ctx.get('x-free') ? 0 : 1),
    });
    expect(await statuses(base, 3, { 'x-free': '1' })).toEqual([200, 200, 200]);
    expect((await call(base, '/hello', {}, 'POST')).status).toBe(200);
    expect((await call(base)).status).toBe(429);
  });
});

describe('allow-lists', () => {
  const hop = { trustedProxyHops: 1 };

  it('by address and CIDR', async () => {
    const { base } = await limited(
      { name: 'al', limit: 1, window: '1m', allow: { ips: ['203.0.113.0/24', '2001:db8::1'] } },
      hop,
    );
    expect(await statuses(base, 3, { 'x-forwarded-for': '203.0.113.77' })).toEqual([200, 200, 200]);
    expect(await statuses(base, 3, { 'x-forwarded-for': '2001:db8::1' })).toEqual([200, 200, 200]);
    expect(await statuses(base, 2, { 'x-forwarded-for': '198.51.100.1' })).toEqual([200, 429]);
  });

  it('by key', async () => {
    const { base } = await limited({
      name: 'al',
      key: 'principal',
      limit: 1,
      window: '1m',
      allow: { keys: ['principal:ops'] },
    });
    expect(await statuses(base, 3, { 'x-user': 'ops' })).toEqual([200, 200, 200]);
    expect(await statuses(base, 2, { 'x-user': 'eve' })).toEqual([200, 429]);
  });

  it('by predicate', async () => {
    const { base } = await limited({
      name: 'al',
      limit: 1,
      window: '1m',
      allow: { when: (ctx) => ctx.method === 'POST' },
    });
    for (let i = 0; i < 3; i++) expect((await call(base, '/hello', {}, 'POST')).status).toBe(200);
    expect(await statuses(base, 2)).toEqual([200, 429]);
  });
});

describe('the 429 answer', () => {
  it('is RATE_LIMITED problem+json with Retry-After and the draft RateLimit fields', async () => {
    const { base } = await limited({ name: 'per-ip', limit: 1, window: '1m' });
    const ok = await call(base);
    expect(ok.headers.get('ratelimit-policy')).toBe('"per-ip";q=1;w=60');
    expect(ok.headers.get('ratelimit')).toMatch(/^"per-ip";r=0;t=(59|60)$/);
    expect(ok.headers.get('x-ratelimit-limit')).toBeNull();

    const res = await fetch(`${base}/hello`, { headers: { 'X-Request-Id': 'rl-test-1' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect([59, 60]).toContain(retryAfter);
    expect(res.headers.get('ratelimit-policy')).toBe('"per-ip";q=1;w=60');
    expect(res.headers.get('ratelimit')).toBe(`"per-ip";r=0;t=${retryAfter}`);
    expect(res.headers.get('x-request-id')).toBe('rl-test-1');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Too many requests',
      status: 429,
      code: 'RATE_LIMITED',
      detail: `Rate limit "per-ip" exceeded; retry in ${retryAfter} s`,
      policy: 'per-ip',
      'violated-policies': ['per-ip'],
      retryAfter,
      requestId: 'rl-test-1',
    });
  });

  it('carries the legacy X-RateLimit-* trio when asked, and no headers on admitted answers when told so', async () => {
    const { base } = await limited(
      { name: 'legacy', limit: 1, window: '1m' },
      { headers: { legacy: true, standard: false, onAdmitted: false } },
    );
    const ok = await call(base);
    expect(ok.headers.get('x-ratelimit-limit')).toBeNull();
    expect(ok.headers.get('ratelimit')).toBeNull();
    const before = Math.floor(Date.now() / 1000);
    const res = await call(base);
    expect(res.status).toBe(429);
    expect(res.headers.get('x-ratelimit-limit')).toBe('1');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(before + 58);
    expect(reset).toBeLessThanOrEqual(before + 61);
    expect(res.headers.get('ratelimit')).toBeNull();
  });
});

describe('X-Forwarded-For', () => {
  it('is ignored without trusted hops: a client cannot pick its address', async () => {
    const { base } = await limited({ name: 'per-ip', limit: 2, window: '1m' });
    const out: number[] = [];
    for (let i = 0; i < 4; i++) out.push((await call(base, '/hello', { 'x-forwarded-for': `198.51.100.${i}` })).status);
    expect(out).toEqual([200, 200, 429, 429]);
  });

  it('with one trusted hop, rotating the leftmost entries does not reset the limit', async () => {
    const { base } = await limited({ name: 'per-ip', limit: 2, window: '1m' }, { trustedProxyHops: 1 });
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      out.push((await call(base, '/hello', { 'x-forwarded-for': `10.9.${i}.1, 198.51.100.7` })).status);
    }
    expect(out).toEqual([200, 200, 429, 429]);
    expect(await statuses(base, 1, { 'x-forwarded-for': '198.51.100.8' })).toEqual([200]);
  });

  it('groups IPv6 clients by /64', async () => {
    const { base } = await limited({ name: 'per-ip', limit: 2, window: '1m' }, { trustedProxyHops: 1 });
    expect((await call(base, '/hello', { 'x-forwarded-for': '2001:db8:1:2::a' })).status).toBe(200);
    expect((await call(base, '/hello', { 'x-forwarded-for': '2001:db8:1:2:ffff::b' })).status).toBe(200);
    expect((await call(base, '/hello', { 'x-forwarded-for': '[2001:db8:1:2::c]:443' })).status).toBe(429);
    expect((await call(base, '/hello', { 'x-forwarded-for': '2001:db8:1:3::a' })).status).toBe(200);
  });
});

describe('route guards', () => {
  it('rateLimit(policy) on one route; a global policy and the guard both report in the headers', async () => {
    const limiter = new RateLimiter();
    const base = await serve((app, router) => {
      app.use(limiter.middleware({ name: 'global', limit: 100, window: '1m' }));
      const guard: Middleware = rateLimit({ name: 'login', limit: 1, window: '1m' }, { limiter });
      router.get('/login', guard, (ctx) => {
        ctx.body = { ok: true };
      });
    });
    const ok = await call(base, '/login');
    expect(ok.headers.get('ratelimit-policy')).toBe('"global";q=100;w=60, "login";q=1;w=60');
    const rejected = await call(base, '/login');
    expect(rejected.status).toBe(429);
    expect(rejected.body.policy).toBe('login');
    expect(rejected.headers.get('ratelimit-policy')).toBe('"global";q=100;w=60, "login";q=1;w=60');
    expect(rejected.headers.get('ratelimit')).toMatch(/^"global";r=98;t=\d+, "login";r=0;t=\d+$/);
    expect((await call(base, '/hello')).status).toBe(200);
  });

  it('rateLimit() alone makes its own memory limiter on plain Koa', async () => {
    const base = await serve((_app, router) => {
      router.get('/login', rateLimit({ name: 'login', limit: 1, window: '1m' }), (ctx) => {
        ctx.body = { ok: true };
      });
    });
    expect(await statuses(base, 2, {}, '/login')).toEqual([200, 429]);
  });

  it('rejects bad policies when the route is declared', () => {
    expect(() => rateLimit({ name: 'bad name', limit: 1, window: '1m' })).toThrow(/Invalid rate limit policy name/);
    expect(() => rateLimit({ name: 'x', limit: 0, window: '1m' })).toThrow(/limit must be/);
    expect(() => rateLimit({ name: 'x', limit: 1, window: '1.5s' as '1s' })).toThrow(/Invalid rate limit window/);
    expect(() => rateLimit({ name: 'x', limit: 1, window: '1m', allow: { ips: ['300.1.1.1'] } })).toThrow(/allow-list/);
  });

  it('one name means one policy: the same settings are shared, different ones refused', () => {
    const limiter = new RateLimiter();
    limiter.define({ name: 'p', limit: 1, window: '1m' });
    expect(() => limiter.define({ name: 'p', limit: 1, window: 60 })).not.toThrow();
    expect(() => limiter.define({ name: 'p', limit: 2, window: '1m' })).toThrow(/already defined/);
  });
});

describe('metrics and direct use', () => {
  it('counts rate_limit_requests_total{policy,result}', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const { base } = await limited({ name: 'counted', limit: 2, window: '1m' }, { metrics: registry });
    await statuses(base, 3);
    const text = await registry.metrics();
    expect(text).toContain('rate_limit_requests_total{policy="counted",result="admitted"} 2');
    expect(text).toContain('rate_limit_requests_total{policy="counted",result="rejected"} 1');
  });

  it('consume() decides outside HTTP without throwing', async () => {
    const limiter = new RateLimiter().define({ name: 'ws', limit: 2, window: '1m' });
    expect((await limiter.consume('ws', 'principal:1')).remaining).toBe(1);
    expect((await limiter.consume('ws', 'principal:1')).admitted).toBe(true);
    const over = await limiter.consume('ws', 'principal:1');
    expect(over).toMatchObject({
      admitted: false,
      policy: 'ws',
      window: 'ws',
      limit: 2,
      remaining: 0,
      violated: ['ws'],
    });
    expect(over.retryAfterSeconds).toBeGreaterThan(55);
    await limiter.reset('ws', 'principal:1');
    expect((await limiter.consume('ws', 'principal:1')).admitted).toBe(true);
  });
});
