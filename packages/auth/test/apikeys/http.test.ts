import type { Server } from 'node:http';
import Router from '@koa/router';
import { currentContext, errorBoundary, requestContext } from '@koaforge/core';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/apikeys/api-key-service.js';
import { ApiKeyVerifier } from '../../src/apikeys/api-key-verifier.js';
import { InvalidKeyThrottle } from '../../src/apikeys/invalid-key-throttle.js';
import { generateApiKey } from '../../src/apikeys/key-format.js';
import { MemoryApiKeyStore } from '../../src/apikeys/memory-store.js';
import { createGuards } from '../../src/rbac/guards.js';
import { alice, bob, showcaseAuthorizer } from './fixtures.js';

// API keys end to end on plain Koa: a stand-in for authenticate() reads X-Api-Key through the
// verifier (client IP from the request context), guards decide with the key's scopes.
const store = new MemoryApiKeyStore();
const authorizer = showcaseAuthorizer();
const service = new ApiKeyService({ store, authorizer });
const verifier = new ApiKeyVerifier({ store, throttle: new InvalidKeyThrottle({ maxInvalidPerIp: 3 }) });
const guards = createGuards({ authorizer });
let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  const router = new Router();
  const ok = (ctx: Koa.Context) => {
    ctx.body = { principal: currentContext()?.principal?.id };
  };
  router.get('/users', guards.requirePermission('users:read'), ok);
  router.post('/users', guards.requirePermission('users:write'), ok);
  router.get('/files', guards.requirePermission('files:read'), ok);
  app.use(requestContext());
  app.use(errorBoundary());
  app.use(async (ctx, next) => {
    const key = ctx.get('x-api-key');
    if (key) currentContext()?.setPrincipal(await verifier.verify(key));
    return next();
  });
  app.use(router.routes());
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function call(path: string, key?: string, method = 'GET') {
  const res = await fetch(`${base}${path}`, { method, headers: key ? { 'x-api-key': key } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('API keys over HTTP', () => {
  it('a key acts within its owner’s roles and its scopes', async () => {
    const adminKey = await service.create(alice, { name: 'read only', scopes: ['users:read', 'files:read'] });
    expect(await call('/users', adminKey.key)).toMatchObject({ status: 200, body: { principal: adminKey.id } });
    expect((await call('/users', adminKey.key, 'POST')).body).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    const memberKey = await service.create(bob, { name: 'files', scopes: ['files:*'] });
    expect((await call('/files', memberKey.key)).status).toBe(200);
    expect((await call('/users', memberKey.key)).status).toBe(403);
    expect((await call('/users')).body).toMatchObject({ code: 'AUTH_REQUIRED' });
  });

  it('answers 401 AUTH_API_KEY_INVALID, then 429 RATE_LIMITED once the IP spent its budget', async () => {
    const valid = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const first = await call('/files', generateApiKey('live').key);
    expect(first.status).toBe(401);
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(first.headers.get('www-authenticate')).toBe('ApiKey realm="api"');
    expect(first.body).toMatchObject({ code: 'AUTH_API_KEY_INVALID' });
    expect((await call('/files', 'kf_live_typo')).status).toBe(401);
    expect((await call('/files', `${valid.key.slice(0, -1)}${valid.key.endsWith('x') ? 'y' : 'x'}`)).status).toBe(401);
    const limited = await call('/files', valid.key);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
