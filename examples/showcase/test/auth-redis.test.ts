import type { App } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShowcase } from '../src/app.js';
import { readSettings } from '../src/settings.js';
import { PASSWORD, type Pair, post, TEST_CONFIG } from './support.js';

// Two showcase processes' worth of apps sharing one real Redis behave as one app.

let redis: RedisServerHandle;
const apps: App[] = [];
let a: string;
let b: string;

async function me(base: string, token: string): Promise<number> {
  return (await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

async function login(base: string, email: string): Promise<Pair> {
  const res = await post(base, '/api/v1/auth/login', { email, password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body as unknown as Pair;
}

async function start(): Promise<string> {
  const app = buildShowcase(readSettings({ REDIS_URL: redis.url }), {
    config: { file: false, env: {}, overrides: TEST_CONFIG },
    logger: { level: 'silent' },
  });
  apps.push(app);
  const { port } = await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  redis = await startRedisServer();
  a = await start();
  b = await start();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await redis.stop();
});

describe('showcase auth with REDIS_URL: two instances share state', () => {
  it('a token signed in on A works on B; logout on A is refused on B within 1 s', async () => {
    const pair = await login(a, 'alice@acme.test');
    expect(await me(b, pair.accessToken)).toBe(200);
    expect((await post(a, '/api/v1/auth/logout', undefined, pair.accessToken)).status).toBe(204);
    const deadline = Date.now() + 1000;
    let status = await me(b, pair.accessToken);
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      status = await me(b, pair.accessToken);
    }
    expect(status).toBe(401);
    expect((await post(b, '/api/v1/auth/refresh', { refreshToken: pair.refreshToken })).status).toBe(401);
  });

  it('a refresh token rotated on A is reuse on B, and the session dies everywhere', async () => {
    const first = await login(a, 'bob@acme.test');
    const rotated = await post(a, '/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    const second = rotated.body as unknown as Pair;
    expect(await me(b, second.accessToken)).toBe(200);

    const reuse = await post(b, '/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'AUTH_REFRESH_REUSED' });
    expect(await me(b, second.accessToken)).toBe(401);
    const deadline = Date.now() + 1000;
    while ((await me(a, second.accessToken)) === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await me(a, second.accessToken)).toBe(401);
    expect((await post(a, '/api/v1/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
  });

  it('an API key made on A works on B', async () => {
    const pair = await login(a, 'alice@acme.test');
    const created = await post(a, '/api/v1/api-keys', { name: 'shared', scopes: ['users:read'] }, pair.accessToken);
    expect(created.status).toBe(201);
    const res = await fetch(`${b}/api/v1/users`, { headers: { 'x-api-key': String(created.body?.key) } });
    expect(res.status).toBe(200);
  });
});
