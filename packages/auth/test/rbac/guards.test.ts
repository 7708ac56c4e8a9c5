import type { Server } from 'node:http';
import Router from '@koa/router';
import { currentContext, errorBoundary, type Principal, requestContext } from '@koaforge/core';
import Koa from 'koa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { Authorizer } from '../../src/rbac/authorizer.js';
import { createGuards, requirePermission } from '../../src/rbac/guards.js';
import type { ConditionContext } from '../../src/rbac/role-definition.js';
import { MemoryRoleStore } from '../../src/rbac/role-store.js';

const isOwner = ({ principal, resource }: ConditionContext) =>
  (resource as { ownerId?: string } | undefined)?.ownerId === principal.id;

const events: AuditInput[] = [];
const roleStore = new MemoryRoleStore({ acme: [{ name: 'support', allow: ['tickets:*'] }] });
const authorizer = new Authorizer({
  roles: [
    { name: 'admin', allow: ['*'] },
    { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'], deny: ['files:delete'] },
    { name: 'owner-deleter', allow: [{ permission: 'files:delete', when: isOwner }] },
    { name: 'superadmin', inherits: ['admin'], allow: [] },
  ],
  store: roleStore,
});
const guards = createGuards({ authorizer, audit: { record: (e) => events.push(e) } });

let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  const router = new Router();
  const ok = (ctx: Koa.Context) => {
    ctx.body = { ok: true };
  };
  router.get('/users', guards.requirePermission('users:read'), ok);
  router.post('/users', guards.requirePermission('users:write'), ok);
  router.get('/any', guards.requireAnyPermission(['users:write', 'notifications:read']), ok);
  router.get('/admin', guards.requireRole('admin'), ok);
  router.get('/tickets', guards.requirePermission('tickets:write'), ok);
  router.delete(
    '/files/:owner',
    guards.requirePermission('files:delete', {
      resource: (ctx) => ({ ownerId: (ctx as Koa.Context & { params: Record<string, string> }).params.owner }),
    }),
    ok,
  );
  router.get('/no-audit', requirePermission('users:write', { authorizer }), ok);
  app.use(requestContext());
  app.use(errorBoundary());
  // Stand-in for authenticate(): the principal comes as JSON in a test header, into the request
  // context or (with x-use-state) into ctx.state.auth as apps with their own middleware do.
  app.use((ctx, next) => {
    const raw = ctx.get('x-test-principal');
    if (raw) {
      const principal = JSON.parse(raw) as Principal;
      if (ctx.get('x-use-state')) (ctx.state as { auth?: unknown }).auth = { principal };
      else currentContext()?.setPrincipal(principal);
    }
    return next();
  });
  app.use(router.routes());
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  events.length = 0;
});

async function call(path: string, principal?: Principal, init: RequestInit & { state?: boolean } = {}) {
  const headers: Record<string, string> = {};
  if (principal) headers['x-test-principal'] = JSON.stringify(principal);
  if (init.state) headers['x-use-state'] = '1';
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, headers: res.headers };
}

const alice: Principal = { id: 'alice', type: 'user', tenantId: 'acme', roles: ['admin'] };
const bob: Principal = { id: 'bob', type: 'user', tenantId: 'acme', roles: ['member'] };

describe('guards over HTTP', () => {
  it('answers 401 AUTH_REQUIRED with a Bearer challenge when there is no principal', async () => {
    const res = await call('/users');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(res.body).toMatchObject({ code: 'AUTH_REQUIRED', status: 401 });
    expect(typeof res.body.requestId).toBe('string');
    expect(events).toEqual([]);
  });

  it('lets a permitted principal through, from the request context or ctx.state.auth', async () => {
    expect((await call('/users', bob)).status).toBe(200);
    expect((await call('/users', bob, { state: true })).status).toBe(200);
    expect((await call('/users', alice, { method: 'POST' })).status).toBe(200);
  });

  it('answers 403 AUTH_FORBIDDEN and records permission.denied with the reason', async () => {
    const res = await call('/users', bob, { method: 'POST' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'AUTH_FORBIDDEN', status: 403 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'permission.denied',
      outcome: 'failure',
      actorId: 'bob',
      actorType: 'user',
      tenantId: 'acme',
      reason: 'not-granted',
      data: { required: 'users:write', method: 'POST', route: '/users' },
    });
    expect((await call('/no-audit', bob)).status).toBe(403);
  });

  it('requireAnyPermission passes on any one; requireRole follows inheritance', async () => {
    expect((await call('/any', bob)).status).toBe(200);
    expect((await call('/any', { ...bob, roles: [] })).status).toBe(403);
    expect((await call('/admin', alice)).status).toBe(200);
    expect((await call('/admin', { ...alice, roles: ['superadmin'] })).status).toBe(200);
    const denied = await call('/admin', bob);
    expect(denied.status).toBe(403);
    expect(events.at(-1)).toMatchObject({ reason: 'role-missing', data: { required: 'role admin' } });
  });

  it('checks conditions against the resource and lets deny win', async () => {
    const deleter: Principal = { id: 'dan', type: 'user', roles: ['owner-deleter'] };
    expect((await call('/files/dan', deleter, { method: 'DELETE' })).status).toBe(200);
    expect((await call('/files/eve', deleter, { method: 'DELETE' })).status).toBe(403);
    expect(events.at(-1)).toMatchObject({ reason: 'condition-failed' });
    const both: Principal = { id: 'dan', type: 'user', roles: ['member', 'owner-deleter'] };
    expect((await call('/files/dan', both, { method: 'DELETE' })).status).toBe(403);
    expect(events.at(-1)).toMatchObject({ reason: 'denied' });
  });

  it('uses the tenant’s dynamic roles, and sees them change', async () => {
    const sue: Principal = { id: 'sue', type: 'user', tenantId: 'acme', roles: ['support'] };
    expect((await call('/tickets', sue)).status).toBe(200);
    expect((await call('/tickets', { ...sue, tenantId: 'globex' })).status).toBe(403);
    roleStore.putRole('acme', { name: 'support', allow: ['tickets:read'] });
    expect((await call('/tickets', sue)).status).toBe(403);
    roleStore.putRole('acme', { name: 'support', allow: ['tickets:*'] });
  });

  it('limits API-key principals to their scopes, and never treats them as holding a role', async () => {
    const key = (scopes: string[]): Principal => ({
      id: 'key1',
      type: 'apiKey',
      tenantId: 'acme',
      roles: ['admin'],
      scopes,
      claims: { ownerId: 'alice' },
    });
    expect((await call('/users', key(['users:read']))).status).toBe(200);
    const res = await call('/users', key(['files:*']), { method: 'POST' });
    expect(res.status).toBe(403);
    expect(events.at(-1)).toMatchObject({ actorType: 'apiKey', actorId: 'key1', reason: 'outside-scopes' });
    expect((await call('/admin', key(['users:read']))).status).toBe(403);
    expect((await call('/admin', key(['*']))).status).toBe(200);
  });

  it('refuses malformed permissions when the route is declared', () => {
    expect(() => guards.requirePermission('users')).toThrow(TypeError);
    expect(() => guards.requireAnyPermission([])).toThrow(TypeError);
  });
});
