import { afterEach, describe, expect, it } from 'vitest';
import { currentContext } from '../../src/context/request-context.js';
import type { App } from '../../src/kernel/app.js';
import { definePlugin } from '../../src/kernel/plugin.js';
import { RateLimiterToken } from '../../src/ratelimit/limiter.js';
import { rateLimitPlugin } from '../../src/ratelimit/plugin.js';
import { rateLimit } from '../../src/ratelimit/route-guard.js';
import { RateLimitStoreToken } from '../../src/ratelimit/store.js';
import { redisPlugin } from '../../src/redis/plugin.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { listen, testApp } from '../helpers.js';
import { waitFor } from './redis.js';

const apps: App[] = [];
const servers: RedisServerHandle[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

function app(overrides: Record<string, unknown>) {
  const made = testApp({ config: { file: false, env: {}, overrides } });
  apps.push(made.app);
  made.app.router.get('/hello', (ctx) => {
    ctx.body = { hello: 'world' };
  });
  return made;
}

/** A stand-in authenticator in phase `authenticate`: `x-user` becomes the principal. */
const fakeAuth = definePlugin({
  name: 'fake-auth',
  setup(ctx) {
    ctx.use(
      (c, next) => {
        const user = c.get('x-user');
        if (user) currentContext()?.setPrincipal({ id: user, type: 'user' });
        return next();
      },
      { phase: 'authenticate' },
    );
  },
});

const statuses = async (url: string, n: number, headers: Record<string, string> = {}) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await fetch(url, { headers })).status);
  return out;
};

describe('rateLimitPlugin', () => {
  it('applies config policies to every request in phase limit, keyed from the request context', async () => {
    const { app: a } = app({
      ratelimit: {
        policies: { 'per-user': { key: 'principal', limit: 2, window: '1m' } },
        global: ['per-user'],
      },
    });
    a.register(fakeAuth).register(rateLimitPlugin);
    const base = await listen(a);
    expect(await statuses(`${base}/hello`, 3, { 'x-user': 'ann' })).toEqual([200, 200, 429]);
    expect(await statuses(`${base}/hello`, 1, { 'x-user': 'ben' })).toEqual([200]);
    const limitPhase = a.bootReport().middleware.filter((m) => m.owner === 'ratelimit');
    expect(limitPhase).toEqual([{ phase: 'limit', owner: 'ratelimit', name: 'rateLimitMiddleware' }]);
    expect(a.container.resolve(RateLimitStoreToken).kind).toBe('memory');
  });

  it('reads http.trustProxyHops for X-Forwarded-For', async () => {
    const { app: a } = app({ http: { trustProxyHops: 1 } });
    a.register(rateLimitPlugin, { global: [{ name: 'per-ip', limit: 1, window: '1m' }] });
    const base = await listen(a);
    expect(await statuses(`${base}/hello`, 2, { 'x-forwarded-for': '6.6.6.6, 198.51.100.1' })).toEqual([200, 429]);
    expect(await statuses(`${base}/hello`, 1, { 'x-forwarded-for': '6.6.6.6, 198.51.100.2' })).toEqual([200]);
    // Probes and scrapes are exempt from global policies (ratelimit.exemptPaths).
    expect(await statuses(`${base}/healthz`, 3, { 'x-forwarded-for': '6.6.6.6, 198.51.100.1' })).toEqual([
      200, 200, 200,
    ]);
  });

  it('lets a rateLimit() route guard use the app limiter, its metrics and its named policies', async () => {
    const { app: a } = app({ ratelimit: { policies: { strict: { limit: 1, window: '1m' } } } });
    a.register(rateLimitPlugin);
    a.router.post('/login', rateLimit({ name: 'login', limit: 1, window: '1m' }), (ctx) => {
      ctx.body = { ok: true };
    });
    a.router.get('/strict', rateLimit('strict'), (ctx) => {
      ctx.body = { ok: true };
    });
    const base = await listen(a);
    const login = async () => (await fetch(`${base}/login`, { method: 'POST' })).status;
    expect([await login(), await login()]).toEqual([200, 429]);
    expect(await statuses(`${base}/strict`, 2)).toEqual([200, 429]);
    expect(a.container.resolve(RateLimiterToken).policies.sort()).toEqual(['login', 'strict']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('rate_limit_requests_total{policy="login",result="rejected"} 1');
  });

  it("refuses store 'redis' without a Redis connection", async () => {
    const { app: a } = app({ ratelimit: { store: 'redis' } });
    a.register(rateLimitPlugin);
    await expect(a.start()).rejects.toThrow(/no Redis connection is registered/);
  });

  it('refuses a bad policy in config at boot', async () => {
    const { app: a } = app({ ratelimit: { policies: { p: { limit: 1, window: '1 week' } } } });
    a.register(rateLimitPlugin);
    await expect(a.start()).rejects.toThrow(/ratelimit\.policies\.p\.window/);
  });

  it('uses the shared Redis connection when redisPlugin is registered, and stays up when Redis goes away', async () => {
    const redis = await startRedisServer();
    servers.push(redis);
    const { app: a, lines } = app({
      redis: { url: redis.url, keyPrefix: 'shop:', reconnectMaxDelayMs: 100 },
      ratelimit: { probeIntervalMs: 100 },
    });
    a.register(rateLimitPlugin, {
      global: [
        {
          name: 'per-ip',
          windows: [
            { limit: 3, window: '1m' },
            { limit: 10, window: '1h' },
          ],
        },
      ],
    });
    a.register(redisPlugin); // registered after: optionalDependsOn still sets it up first
    const base = await listen(a);
    expect(a.container.resolve(RateLimitStoreToken).kind).toBe('redis');
    const first = await fetch(`${base}/hello`);
    expect(first.headers.get('ratelimit-policy')).toBe('"per-ip-1m";q=3;w=60, "per-ip-1h";q=10;w=3600');
    expect(first.headers.get('ratelimit')).toMatch(/^"per-ip-1m";r=2;t=(59|60)$/);
    const connection = a.container.resolve((await import('../../src/redis/connection.js')).RedisConnectionToken);
    expect(await connection.client.get('shop:rl:per-ip:1m:ip:127.0.0.1')).toBe('1');
    expect(await connection.client.get('shop:rl:per-ip:1h:ip:127.0.0.1')).toBe('1');

    await redis.kill();
    // No 5xx while Redis is down: insurance limits in memory (a fresh count of 3).
    expect(await statuses(`${base}/hello`, 4)).toEqual([200, 200, 200, 429]);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { checks: Record<string, { status: string }> };
    expect(ready.checks['ratelimit-store']?.status).toBe('degraded');
    expect(lines.filter((l) => String(l.msg).startsWith('rate limit store is down'))).toHaveLength(1);

    await redis.restart();
    await waitFor(async () => {
      await fetch(`${base}/readyz`);
      await fetch(`${base}/hello`, { headers: { 'x-probe': '1' } });
      return a.container.resolve(RateLimitStoreToken).healthy;
    }, 10_000);
    expect(lines.filter((l) => String(l.msg).startsWith('rate limit store answers again'))).toHaveLength(1);
  });
});
