import { spawnSync } from 'node:child_process';
import type { App } from '@koaforge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShowcase } from '../src/app.js';
import { readSettings } from '../src/settings.js';

// Black-box checks of the Core part of shared/SHOWCASE.md, over a listening server.
let app: App;
let base: string;
beforeAll(async () => {
  app = buildShowcase(readSettings({ PORT: '0' }), { config: { file: false, env: {} }, logger: { level: 'silent' } });
  const { port } = await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => app.stop());

describe('showcase: core contract', () => {
  it('GET /healthz → 200 {status:"ok"} with X-Request-Id', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('GET /readyz → 200 with each check status', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: object };
    expect(body.status).toBe('ok');
    expect(typeof body.checks).toBe('object');
  });

  it('GET /metrics passes promtool check metrics', async () => {
    await fetch(`${base}/healthz`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('http_request_duration_seconds');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (check.error && !process.env.CI) return; // promtool not installed on this dev machine
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });

  it('errors are problem+json with status, title, code and requestId', async () => {
    const res = await fetch(`${base}/api/v1/definitely-not-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND', title: expect.any(String) });
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });
});

describe('showcase: REDIS_URL switch', () => {
  it('with REDIS_URL, /readyz checks the shared Redis connection', async () => {
    const { startRedisServer } = await import('@koaforge/core/testing');
    const redis = await startRedisServer();
    const withRedis = buildShowcase(readSettings({ REDIS_URL: redis.url }), {
      config: { file: false, env: {} },
      logger: { level: 'silent' },
    });
    try {
      const { port } = await withRedis.listen(0, '127.0.0.1');
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { checks: Record<string, { status: string }> };
      expect(body.checks.redis?.status).toBe('ok');
    } finally {
      await withRedis.stop();
      await redis.stop();
    }
  });
});
