import type { App } from '@koaforge/core';
import { type RawAnswer, type RedisServerHandle, rawRequest, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShowcase } from '../src/app.js';
import { readSettings } from '../src/settings.js';
import { PASSWORD, type Pair, TEST_CONFIG } from './support.js';

// Black-box checks of the tenant conventions of shared/SHOWCASE.md over a listening server, with
// the real auth package issuing the tokens and API keys: the tenant comes from the principal; the
// `X-Tenant-Id` header and the subdomain (`acme.localhost`) may name it and must then agree.

type Answer = RawAnswer;

/** One request with full control over `Host` (fetch does not let a caller set it). */
function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  return rawRequest(base, path, { method, headers, body });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectProblem(res: Answer, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code });
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

async function startShowcase(env: Record<string, string> = {}): Promise<{ app: App; base: string }> {
  const app = buildShowcase(readSettings(env), {
    config: {
      file: false,
      env: {},
      overrides: { ...TEST_CONFIG, auth: { ...TEST_CONFIG.auth, login: { rateLimit: { limit: 1000, window: '1m' } } } },
    },
    logger: { level: 'silent' },
  });
  const { port } = await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}` };
}

async function login(base: string, email: string, headers: Record<string, string> = {}): Promise<Pair> {
  const res = await call(base, 'POST', '/api/v1/auth/login', headers, { email, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as Pair;
}

describe('showcase tenants (memory stores)', () => {
  let app: App;
  let base: string;
  let alice: Pair;
  let carol: Pair;
  beforeAll(async () => {
    ({ app, base } = await startShowcase());
    alice = await login(base, 'alice@acme.test');
    carol = await login(base, 'carol@globex.test');
  });
  afterAll(() => app.stop());

  it('takes the tenant from the principal (verified)', async () => {
    const res = await call(base, 'GET', '/api/v1/tenant', bearer(alice.accessToken));
    expect(res.body).toEqual({ id: 'acme', name: 'Acme', source: 'principal', verified: true });
    expect((await call(base, 'GET', '/api/v1/me', bearer(carol.accessToken))).body).toMatchObject({ tenant: 'globex' });
  });

  it('accepts a header or subdomain that agrees with the principal', async () => {
    expect(
      (await call(base, 'GET', '/api/v1/me', { ...bearer(alice.accessToken), 'x-tenant-id': 'acme' })).status,
    ).toBe(200);
    expect(
      (await call(base, 'GET', '/api/v1/me', { ...bearer(alice.accessToken), host: 'acme.localhost' })).status,
    ).toBe(200);
  });

  it('a tenant-A token with X-Tenant-Id: globex is 403 TENANT_MISMATCH', async () => {
    const res = await call(base, 'GET', '/api/v1/me', { ...bearer(alice.accessToken), 'x-tenant-id': 'globex' });
    expectProblem(res, 403, 'TENANT_MISMATCH');
    // Nothing about the other tenant leaks.
    expect(JSON.stringify(res.body)).not.toContain('acme');
  });

  it('a tenant-A token on globex.localhost is 403 TENANT_MISMATCH', async () => {
    const res = await call(base, 'GET', '/api/v1/me', { ...bearer(alice.accessToken), host: 'globex.localhost' });
    expectProblem(res, 403, 'TENANT_MISMATCH');
  });

  it('a tenant-A API key on tenant B’s subdomain is 403 TENANT_MISMATCH', async () => {
    const created = await call(base, 'POST', '/api/v1/api-keys', bearer(alice.accessToken), {
      name: 'ci',
      scopes: ['users:read'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = created.body.key as string;
    expect((await call(base, 'GET', '/api/v1/me', { 'x-api-key': key, host: 'acme.localhost' })).status).toBe(200);
    const res = await call(base, 'GET', '/api/v1/me', { 'x-api-key': key, host: 'globex.localhost' });
    expectProblem(res, 403, 'TENANT_MISMATCH');
  });

  it('ignores a spoofed X-Forwarded-Host (no trusted proxy configured)', async () => {
    const res = await call(base, 'GET', '/api/v1/tenant', {
      ...bearer(alice.accessToken),
      host: 'acme.localhost',
      'x-forwarded-host': 'globex.localhost',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'acme' });
  });

  it('an unknown tenant is 404 TENANT_NOT_FOUND', async () => {
    expectProblem(await call(base, 'GET', '/api/v1/tenant', { 'x-tenant-id': 'nope' }), 404, 'TENANT_NOT_FOUND');
    expectProblem(await call(base, 'GET', '/api/v1/tenant', { host: 'nope.localhost' }), 404, 'TENANT_NOT_FOUND');
    // A named tenant must exist on every route; without one, health answers as always.
    expect((await call(base, 'GET', '/healthz')).status).toBe(200);
  });

  it('a malformed tenant id is 400 TENANT_INVALID', async () => {
    expectProblem(await call(base, 'GET', '/api/v1/tenant', { 'x-tenant-id': '../etc' }), 400, 'TENANT_INVALID');
  });

  it('anonymous requests may name a tenant (unverified); routes needing one say so', async () => {
    const res = await call(base, 'GET', '/api/v1/tenant', { host: 'globex.localhost' });
    expect(res.body).toEqual({ id: 'globex', name: 'Globex', source: 'subdomain', verified: false });
    expectProblem(await call(base, 'GET', '/api/v1/tenant'), 400, 'TENANT_REQUIRED');
    // Naming a tenant never authenticates anyone.
    expectProblem(await call(base, 'GET', '/api/v1/me', { 'x-tenant-id': 'acme' }), 401, 'AUTH_REQUIRED');
  });

  it('login looks the account up in the tenant the request names', async () => {
    await login(base, 'bob@acme.test', { host: 'acme.localhost' });
    const res = await call(
      base,
      'POST',
      '/api/v1/auth/login',
      { 'x-tenant-id': 'globex' },
      {
        email: 'bob@acme.test',
        password: PASSWORD,
      },
    );
    expectProblem(res, 401, 'AUTH_INVALID_CREDENTIALS');
  });
});

describe('showcase tenants with REDIS_URL', () => {
  let redis: RedisServerHandle;
  const apps: App[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await redis?.stop();
  });

  it('two instances share the tenants seeded in Redis and enforce the same rules', async () => {
    const a = await startShowcase({ REDIS_URL: redis.url });
    apps.push(a.app);
    const b = await startShowcase({ REDIS_URL: redis.url });
    apps.push(b.app);
    const alice = await login(a.base, 'alice@acme.test');
    expect((await call(b.base, 'GET', '/api/v1/tenant', { host: 'globex.localhost' })).body).toMatchObject({
      id: 'globex',
    });
    expectProblem(
      await call(b.base, 'GET', '/api/v1/me', { ...bearer(alice.accessToken), 'x-tenant-id': 'globex' }),
      403,
      'TENANT_MISMATCH',
    );
    expectProblem(await call(b.base, 'GET', '/api/v1/tenant', { 'x-tenant-id': 'nope' }), 404, 'TENANT_NOT_FOUND');
  });
});
