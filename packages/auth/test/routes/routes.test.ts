import Router from '@koa/router';
import { bodyParser, errorBoundary, requestContext } from '@koaforge/core';
import { listenKoa } from '@koaforge/core/testing';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/authenticate/authenticate.js';
import { authConfigSchema } from '../../src/config.js';
import { mountAuthRoutes, mountDevMailbox } from '../../src/routes/index.js';
import { MemoryUserStore } from '../../src/users/memory-user-store.js';
import { buildAuthServices } from '../../src/wiring/services.js';
import { buildStores } from '../../src/wiring/stores.js';

// The routes on plain Koa, without the kernel: what a team mounting them in its own server does.
const PASSWORD = 'correct-horse-battery-staple';
let close: () => Promise<void>;
let base: string;

async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

beforeAll(async () => {
  const config = authConfigSchema.parse({
    secret: 'routes-test-secret-that-is-long-enough-0123456789',
    passwords: { memoryCost: 1024, timeCost: 1 },
    roles: [
      { name: 'admin', allow: ['*'] },
      { name: 'member', allow: ['users:read'] },
    ],
    mfa: { enabled: false },
  });
  const users = new MemoryUserStore();
  const services = buildAuthServices({ config, stores: buildStores(undefined), users, production: false });
  const passwordHash = await services.hasher.hash(PASSWORD);
  await users.create({ email: 'alice@acme.test', tenantId: 'acme', roles: ['admin'], passwordHash });
  await users.create({ email: 'bob@acme.test', tenantId: 'acme', roles: ['member'], passwordHash });
  await users.create({ email: 'sam@shared.test', tenantId: 'acme', roles: ['member'], passwordHash });
  await users.create({ email: 'sam@shared.test', tenantId: 'globex', roles: ['member'], passwordHash });

  const router = new Router();
  mountAuthRoutes(router, { services, prefix: '/v1' });
  if (services.outbox !== undefined) mountDevMailbox(router, services.outbox);
  const app = new Koa();
  app.use(requestContext());
  app.use(errorBoundary());
  app.use(bodyParser());
  app.use(authenticate({ authenticator: services.authenticator, optional: true }));
  app.use(router.routes());
  ({ base, close } = await listenKoa(app));
});
afterAll(() => close());

describe('mountAuthRoutes on plain Koa', () => {
  it('login without a tenant finds the one tenant holding the address', async () => {
    const res = await call('POST', '/v1/auth/login', { email: 'Alice@Acme.test', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
  });

  it('an address held by two tenants needs the tenant', async () => {
    const ambiguous = await call('POST', '/v1/auth/login', { email: 'sam@shared.test', password: PASSWORD });
    expect(ambiguous).toMatchObject({ status: 401, body: { code: 'AUTH_INVALID_CREDENTIALS' } });
    const named = await call('POST', '/v1/auth/login', {
      email: 'sam@shared.test',
      password: PASSWORD,
      tenant: 'globex',
    });
    expect(named.status).toBe(200);
    const me = await call('GET', '/v1/me', undefined, String(named.body.accessToken));
    expect(me.body).toMatchObject({ tenant: 'globex' });
  });

  it('422 VALIDATION_FAILED names the fields and never echoes a password', async () => {
    const res = await call('POST', '/v1/auth/login', { email: 'alice@acme.test', password: 12345678901234 });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.issues).toEqual([expect.objectContaining({ path: 'password', code: 'invalid_type' })]);
    expect(JSON.stringify(res.body)).not.toContain('12345678901234');
    const empty = await fetch(`${base}/v1/auth/refresh`, { method: 'POST' });
    expect(empty.status).toBe(422);
  });

  it('/me answers permissions from the roles; guards answer 401 and 403', async () => {
    const { body } = await call('POST', '/v1/auth/login', { email: 'bob@acme.test', password: PASSWORD });
    const token = String(body.accessToken);
    const me = await call('GET', '/v1/me', undefined, token);
    expect(me.body).toEqual({
      id: expect.any(String),
      email: 'bob@acme.test',
      tenant: 'acme',
      roles: ['member'],
      permissions: ['users:read'],
    });
    expect((await call('GET', '/v1/users', undefined, token)).status).toBe(200);
    const write = await call('POST', '/v1/users', { email: 'x@acme.test', password: PASSWORD, role: 'member' }, token);
    expect(write).toMatchObject({ status: 403, body: { code: 'AUTH_FORBIDDEN' } });
    expect((await call('GET', '/v1/users')).body).toMatchObject({ code: 'AUTH_REQUIRED' });
  });

  it('an admin cannot create a user with an unknown role', async () => {
    const { body } = await call('POST', '/v1/auth/login', { email: 'alice@acme.test', password: PASSWORD });
    const res = await call(
      'POST',
      '/v1/users',
      { email: 'y@acme.test', password: PASSWORD, role: 'owner' },
      String(body.accessToken),
    );
    expect(res).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED' } });
  });

  it('MFA routes answer 409 when MFA is off', async () => {
    const { body } = await call('POST', '/v1/auth/login', { email: 'alice@acme.test', password: PASSWORD });
    const res = await call('POST', '/v1/auth/mfa/totp/enroll', undefined, String(body.accessToken));
    expect(res).toMatchObject({ status: 409, body: { code: 'AUTH_MFA_NOT_ENROLLED' } });
  });

  it('forgot-password is limited per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call('POST', '/v1/auth/password/forgot', { email: 'nobody@acme.test' })).status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect((await call('GET', '/dev/mailbox')).body).toEqual([]);
  });
});
