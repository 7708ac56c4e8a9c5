import type { App } from '@koaforge/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { TenantRecord, TenantRegistry } from '../../src/types.js';
import { type BootOptions, boot, call } from './stack.js';

const running: App[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

async function start(options: BootOptions = {}): Promise<string> {
  const { app, base } = await boot(options);
  running.push(app);
  return base;
}

const ACME_USER = { 'x-test-principal': 'user:alice:acme' };
const ACME_KEY = { 'x-test-principal': 'apiKey:key-1:acme' };

describe('trusted sources decide', () => {
  it('takes the principal’s tenant, verified, in the request context and on ctx.state', async () => {
    const base = await start();
    const res = await call(base, '/whoami', ACME_USER);
    expect(res.status).toBe(200);
    const tenant = { id: 'acme', name: 'Acme', source: 'principal', verified: true };
    expect(res.body).toEqual({ tenant, state: tenant, path: '/whoami' });
  });

  it('accepts hints that agree with the principal', async () => {
    const base = await start();
    const res = await call(base, '/whoami', { ...ACME_USER, 'x-tenant-id': 'acme', host: 'acme.localhost' });
    expect(res.body.tenant).toMatchObject({ id: 'acme', source: 'principal', verified: true });
  });

  it('a tenant-A principal with X-Tenant-Id of tenant B: 403 TENANT_MISMATCH', async () => {
    const base = await start();
    const res = await call(base, '/whoami', { ...ACME_USER, 'x-tenant-id': 'globex' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'TENANT_MISMATCH', status: 403 });
    expect(JSON.stringify(res.body)).not.toContain('globex');
  });

  it('a tenant-A API key on tenant B’s subdomain, custom domain or path: 403 TENANT_MISMATCH', async () => {
    const base = await start({ tenant: { path: { prefix: '/t' } } });
    for (const [path, headers] of [
      ['/whoami', { ...ACME_KEY, host: 'globex.localhost' }],
      ['/whoami', { ...ACME_KEY, host: 'globex.example.com:8080' }],
      ['/t/globex/whoami', ACME_KEY],
    ] as const) {
      const res = await call(base, path, headers);
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
      expect(res.body.code).toBe('TENANT_MISMATCH');
    }
    const own = await call(base, '/whoami', { ...ACME_KEY, host: 'acme.localhost' });
    expect(own.body.tenant).toMatchObject({ id: 'acme', source: 'principal', verified: true });
  });

  it('a tenant-B principal on tenant A’s custom domain: 403', async () => {
    const base = await start();
    const res = await call(base, '/whoami', { 'x-test-principal': 'user:bob:globex', host: 'app.acme.com' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('TENANT_MISMATCH');
  });

  it('reads a claim when configured, falling back to tenantId for principals without it', async () => {
    const base = await start({ tenant: { principal: { claim: 'org' } } });
    const claimed = await call(base, '/whoami', { 'x-test-principal': 'user:alice:acme:globex' });
    expect(claimed.body.tenant).toMatchObject({ id: 'globex', source: 'principal' });
    const plain = await call(base, '/whoami', ACME_KEY);
    expect(plain.body.tenant).toMatchObject({ id: 'acme', source: 'principal' });
  });
});

describe('hints', () => {
  it('anonymous requests take a hint (default), marked unverified with its source', async () => {
    const base = await start();
    const header = await call(base, '/whoami', { 'x-tenant-id': 'globex' });
    expect(header.body.tenant).toEqual({ id: 'globex', name: 'Globex', source: 'header', verified: false });
    const sub = await call(base, '/whoami', { host: 'acme.localhost:3000' });
    expect(sub.body.tenant).toEqual({ id: 'acme', name: 'Acme', source: 'subdomain', verified: false });
    const domain = await call(base, '/whoami', { host: 'APP.acme.com' });
    expect(domain.body.tenant).toMatchObject({ id: 'acme', source: 'domain', verified: false });
  });

  it('hints that disagree among themselves: 403 TENANT_MISMATCH', async () => {
    const base = await start();
    const res = await call(base, '/whoami', { 'x-tenant-id': 'acme', host: 'globex.localhost' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('TENANT_MISMATCH');
  });

  it('a principal without a tenant is treated like an anonymous request', async () => {
    const base = await start({ tenant: { anonymous: 'ignore' } });
    const res = await call(base, '/whoami', { 'x-test-principal': 'service:cron:', 'x-tenant-id': 'acme' });
    expect(res.body.tenant).toBeNull();
  });

  it('ignores www and deeper subdomains unless configured, and hosts outside the base domains', async () => {
    const base = await start();
    for (const host of ['www.localhost', 'acme.eu.example.com', 'localhost', 'acme.other.org', '127.0.0.1']) {
      const res = await call(base, '/whoami', { host });
      expect(res.status, host).toBe(200);
      expect(res.body.tenant, host).toBeNull();
    }
    const deep = await start({ tenant: { subdomain: { baseDomains: ['example.com'], multiLevel: true } } });
    expect((await call(deep, '/whoami', { host: 'www.acme.eu.example.com' })).body.tenant).toMatchObject({
      id: 'acme',
    });
  });

  it('ignores a spoofed X-Forwarded-Host without a trusted proxy', async () => {
    const base = await start();
    const res = await call(base, '/whoami', { host: 'acme.localhost', 'x-forwarded-host': 'globex.localhost' });
    expect(res.body.tenant).toMatchObject({ id: 'acme', source: 'subdomain' });
    // And cannot make an acme user look like a globex request either.
    const user = await call(base, '/whoami', { ...ACME_USER, 'x-forwarded-host': 'globex.localhost' });
    expect(user.status).toBe(200);
  });

  it('honours X-Forwarded-Host behind one trusted proxy (http.trustProxyHops: 1), taking the right hop', async () => {
    const base = await start({ http: { trustProxyHops: 1 } });
    const res = await call(base, '/whoami', {
      host: 'internal:8080',
      'x-forwarded-host': 'acme.localhost, globex.localhost',
    });
    expect(res.body.tenant).toMatchObject({ id: 'globex', source: 'subdomain' });
    const mismatch = await call(base, '/whoami', { ...ACME_USER, 'x-forwarded-host': 'globex.localhost' });
    expect(mismatch.status).toBe(403);
  });

  it('strips the path prefix so routes mount once, and keeps the query', async () => {
    const base = await start({ tenant: { path: { prefix: '/t' } } });
    const res = await call(base, '/t/acme/whoami?x=1', ACME_USER);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenant: { id: 'acme', source: 'principal' }, path: '/whoami' });
    const anonymous = await call(base, '/t/globex/whoami');
    expect(anonymous.body).toMatchObject({ tenant: { id: 'globex', source: 'path', verified: false } });
    const unknown = await call(base, '/t/nobody/whoami');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('TENANT_NOT_FOUND');
  });

  it('keeps the prefix when strip is off', async () => {
    const base = await start({ tenant: { path: { prefix: '/t', strip: false } } });
    const res = await call(base, '/t/acme/whoami');
    expect(res.status).toBe(404);
    expect(res.body.code).not.toBe('TENANT_NOT_FOUND');
  });
});

describe('the anonymous rule', () => {
  it('ignore: hints alone name no tenant, the principal still decides', async () => {
    const base = await start({ tenant: { anonymous: 'ignore' } });
    expect((await call(base, '/whoami', { 'x-tenant-id': 'acme' })).body.tenant).toBeNull();
    expect((await call(base, '/whoami', { host: 'acme.localhost' })).body.tenant).toBeNull();
    expect((await call(base, '/whoami', ACME_USER)).body.tenant).toMatchObject({ id: 'acme', verified: true });
    // Mismatches still count.
    expect((await call(base, '/whoami', { ...ACME_USER, 'x-tenant-id': 'globex' })).status).toBe(403);
  });

  it('a function decides per request', async () => {
    const base = await start({ plugin: { anonymous: (ctx) => ctx.get('x-public') === '1' } });
    expect((await call(base, '/whoami', { 'x-tenant-id': 'acme' })).body.tenant).toBeNull();
    expect((await call(base, '/whoami', { 'x-tenant-id': 'acme', 'x-public': '1' })).body.tenant).toMatchObject({
      id: 'acme',
      verified: false,
    });
  });
});

describe('failure answers', () => {
  it('unknown and suspended tenants answer the same 404 (apart from the request id)', async () => {
    const base = await start();
    const unknown = await call(base, '/whoami', { 'x-tenant-id': 'nobody' });
    const suspended = await call(base, '/whoami', { 'x-tenant-id': 'initech' });
    expect(unknown.status).toBe(404);
    expect(suspended.status).toBe(404);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(suspended.body)).toEqual(strip(unknown.body));
    expect(unknown.body).toMatchObject({ code: 'TENANT_NOT_FOUND' });
    expect(unknown.headers['content-type']).toBe(suspended.headers['content-type']);
    expect(unknown.headers['content-length']).toBe(suspended.headers['content-length']);
    // A principal of a suspended tenant is refused too.
    expect((await call(base, '/whoami', { 'x-test-principal': 'user:carol:initech' })).status).toBe(404);
  });

  it('reveals suspension as 403 TENANT_SUSPENDED when configured', async () => {
    const base = await start({ tenant: { revealSuspended: true } });
    const res = await call(base, '/whoami', { 'x-tenant-id': 'initech' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('TENANT_SUSPENDED');
  });

  it('malformed ids: 400 TENANT_INVALID, before any lookup', async () => {
    const base = await start();
    for (const id of ['ACME', 'acme!', '-acme', 'a'.repeat(64), 'acme, globex', '../acme']) {
      const res = await call(base, '/whoami', { 'x-tenant-id': id });
      expect(res.status, id).toBe(400);
      expect(res.body.code, id).toBe('TENANT_INVALID');
    }
    const custom = await start({ tenant: { idPattern: '^[A-Z]{4}$', tenants: [{ id: 'ACME' }] } });
    expect((await call(custom, '/whoami', { 'x-tenant-id': 'ACME' })).body.tenant).toMatchObject({ id: 'ACME' });
    expect((await call(custom, '/whoami', { 'x-tenant-id': 'acme' })).status).toBe(400);
  });

  it('a registry that fails: 503 TENANT_REGISTRY_UNAVAILABLE (retryable), no internals', async () => {
    const broken: TenantRegistry = {
      get: (): Promise<TenantRecord | undefined> => Promise.reject(new Error('db password is hunter2')),
    };
    const base = await start({ plugin: { registry: broken } });
    const res = await call(base, '/whoami', { 'x-tenant-id': 'acme' });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('TENANT_REGISTRY_UNAVAILABLE');
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    // Requests without a tenant do not touch the registry.
    expect((await call(base, '/whoami')).status).toBe(200);
  });
});

describe('guards', () => {
  it('requireTenant: 400 TENANT_REQUIRED without a tenant', async () => {
    const base = await start();
    const res = await call(base, '/needs-tenant');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TENANT_REQUIRED');
    expect((await call(base, '/needs-tenant', { 'x-tenant-id': 'acme' })).status).toBe(200);
  });

  it('requireTenant({ verified: true }): a hint alone is not enough', async () => {
    const base = await start();
    const hinted = await call(base, '/needs-verified', { 'x-tenant-id': 'acme' });
    expect(hinted.status).toBe(400);
    expect(hinted.body.code).toBe('TENANT_REQUIRED');
    expect((await call(base, '/needs-verified', ACME_USER)).status).toBe(200);
  });

  it('forbidTenant: 400 TENANT_NOT_ALLOWED with a tenant', async () => {
    const base = await start();
    expect((await call(base, '/no-tenant')).status).toBe(200);
    const res = await call(base, '/no-tenant', ACME_USER);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TENANT_NOT_ALLOWED');
  });
});
