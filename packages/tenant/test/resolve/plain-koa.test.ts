import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { errorBoundary, requestContext } from '@koaforge/core';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { currentTenant } from '../../src/context.js';
import { requireTenant } from '../../src/middleware/guards.js';
import { resolveTenant } from '../../src/middleware/resolve-tenant.js';
import { MemoryTenantRegistry } from '../../src/registry/memory.js';
import { tenantFromHeader } from '../../src/resolve/header.js';
import { tenantFromPath } from '../../src/resolve/path.js';
import { tenantFromPrincipal } from '../../src/resolve/principal.js';
import { tenantFromSubdomain } from '../../src/resolve/subdomain.js';
import { call, testAuthenticate } from './stack.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function plainKoa(options: { trustedProxyHops?: number } = {}) {
  const registry = new MemoryTenantRegistry({ tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex' }] });
  const app = new Koa();
  const router = new Router();
  router.get('/projects', requireTenant(), (ctx) => {
    ctx.body = { tenant: currentTenant(), state: ctx.state.tenant };
  });
  app.use(requestContext());
  app.use(errorBoundary());
  app.use(testAuthenticate);
  app.use(
    resolveTenant({
      registry,
      resolvers: [
        tenantFromPrincipal(),
        tenantFromPath({ prefix: '/t' }),
        tenantFromHeader(),
        tenantFromSubdomain({ baseDomains: ['localhost'] }),
      ],
      ...options,
    }),
  );
  app.use(router.routes());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  return { registry, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('resolveTenant on plain Koa (no kernel)', () => {
  it('resolves, guards and answers problem+json through core’s error boundary', async () => {
    const { base } = await plainKoa();
    const ok = await call(base, '/t/acme/projects', { 'x-test-principal': 'user:alice:acme' });
    expect(ok.status).toBe(200);
    expect(ok.body.tenant).toEqual({ id: 'acme', name: 'Acme', source: 'principal', verified: true });
    expect(ok.body.state).toEqual(ok.body.tenant);

    const mismatch = await call(base, '/projects', { 'x-test-principal': 'user:alice:acme', 'x-tenant-id': 'globex' });
    expect(mismatch.status).toBe(403);
    expect(mismatch.headers['content-type']).toContain('application/problem+json');
    expect(mismatch.body.code).toBe('TENANT_MISMATCH');

    expect((await call(base, '/projects')).body.code).toBe('TENANT_REQUIRED');
    expect((await call(base, '/projects', { 'x-tenant-id': 'Nope!' })).body.code).toBe('TENANT_INVALID');
  });

  it('sees registry changes at once (suspend, remove)', async () => {
    const { base, registry } = await plainKoa();
    expect((await call(base, '/projects', { host: 'globex.localhost' })).status).toBe(200);
    registry.suspend('globex');
    expect((await call(base, '/projects', { host: 'globex.localhost' })).body.code).toBe('TENANT_NOT_FOUND');
    registry.resume('globex');
    expect((await call(base, '/projects', { host: 'globex.localhost' })).status).toBe(200);
    registry.remove('globex');
    expect((await call(base, '/projects', { host: 'globex.localhost' })).status).toBe(404);
  });

  it('reads X-Forwarded-Host only with trustedProxyHops', async () => {
    const spoofed = { host: 'acme.localhost', 'x-forwarded-host': 'globex.localhost' };
    const direct = await plainKoa();
    expect((await call(direct.base, '/projects', spoofed)).body.tenant).toMatchObject({ id: 'acme' });
    server?.close();
    const proxied = await plainKoa({ trustedProxyHops: 1 });
    expect((await call(proxied.base, '/projects', spoofed)).body.tenant).toMatchObject({ id: 'globex' });
  });
});
