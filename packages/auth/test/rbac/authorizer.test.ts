import type { Principal } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { Authorizer } from '../../src/rbac/authorizer.js';
import type { RoleDefinition } from '../../src/rbac/role-definition.js';
import { LoaderRoleStore, MemoryRoleStore } from '../../src/rbac/role-store.js';

const STATIC: RoleDefinition[] = [
  { name: 'admin', allow: ['*'] },
  { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'] },
];
const acmeUser = (roles: string[]): Principal => ({ id: 'u1', type: 'user', tenantId: 'acme', roles });

describe('Authorizer: per-tenant roles', () => {
  it('adds a tenant’s own roles on top of the static ones, for that tenant only', async () => {
    const store = new MemoryRoleStore({
      acme: [{ name: 'billing-clerk', inherits: ['member'], allow: ['invoices:*'] }],
    });
    const authz = new Authorizer({ roles: STATIC, store });
    expect(await authz.can(acmeUser(['billing-clerk']), 'invoices:create')).toBe(true);
    expect(await authz.can(acmeUser(['billing-clerk']), 'files:read')).toBe(true);
    const globex: Principal = { id: 'u2', type: 'user', tenantId: 'globex', roles: ['billing-clerk'] };
    expect(await authz.can(globex, 'invoices:create')).toBe(false);
    const noTenant: Principal = { id: 'u3', type: 'user', roles: ['member'] };
    expect(await authz.can(noTenant, 'files:read')).toBe(true);
  });

  it('loads a tenant once, shares concurrent loads and serves later checks from the cache', async () => {
    let loads = 0;
    const store = new LoaderRoleStore(async (tenantId) => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return tenantId === 'acme' ? [{ name: 'x', allow: ['x:y'] }] : [];
    });
    const authz = new Authorizer({ roles: STATIC, store });
    expect(authz.cachedGraph('acme')).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 10 }, () => authz.can(acmeUser(['x']), 'x:y')));
    expect(results.every(Boolean)).toBe(true);
    expect(loads).toBe(1);
    expect(authz.cachedGraph('acme')?.can(acmeUser(['x']), 'x:y')).toBe(true);
    await authz.can(acmeUser(['x']), 'x:y');
    expect(loads).toBe(1);
    expect(authz.cachedGraph(undefined)).toBe(authz.roles);
  });

  it('sees role edits at once through the store’s watch, and after invalidate() for plain loaders', async () => {
    const store = new MemoryRoleStore();
    const authz = new Authorizer({ roles: STATIC, store });
    const p = acmeUser(['support']);
    expect(await authz.can(p, 'tickets:write')).toBe(false);
    store.putRole('acme', { name: 'support', allow: ['tickets:write'] });
    expect(await authz.can(p, 'tickets:write')).toBe(true);
    store.putRole('acme', { name: 'support', allow: ['tickets:read'] });
    expect(await authz.can(p, 'tickets:write')).toBe(false);
    store.deleteRole('acme', 'support');
    expect(await authz.can(p, 'tickets:read')).toBe(false);
    authz.close();

    let roles: RoleDefinition[] = [];
    const loader = new LoaderRoleStore(() => roles);
    const authz2 = new Authorizer({ store: loader, cacheTtlMs: 0 });
    expect(await authz2.can(acmeUser(['r']), 'a:b')).toBe(false);
    roles = [{ name: 'r', allow: ['a:b'] }];
    expect(await authz2.can(acmeUser(['r']), 'a:b')).toBe(false);
    authz2.invalidate('acme');
    expect(await authz2.can(acmeUser(['r']), 'a:b')).toBe(true);
    roles = [];
    loader.changed('acme');
    expect(await authz2.can(acmeUser(['r']), 'a:b')).toBe(false);
  });

  it('reloads after the TTL', async () => {
    let now = 1_000;
    let roles: RoleDefinition[] = [{ name: 'r', allow: ['a:b'] }];
    const authz = new Authorizer({ store: new LoaderRoleStore(() => roles), cacheTtlMs: 500, now: () => now });
    expect(await authz.can(acmeUser(['r']), 'a:b')).toBe(true);
    roles = [];
    now += 499;
    expect(await authz.can(acmeUser(['r']), 'a:b')).toBe(true);
    now += 1;
    expect(await authz.can(acmeUser(['r']), 'a:b')).toBe(false);
  });

  it('does not cache a load that an invalidation overtook', async () => {
    let release: () => void = () => {};
    let version = 1;
    const store = new LoaderRoleStore(async () => {
      const seen = version;
      await new Promise<void>((r) => {
        release = r;
      });
      return seen === 1 ? [{ name: 'r', allow: ['old:perm'] }] : [{ name: 'r', allow: ['new:perm'] }];
    });
    const authz = new Authorizer({ store });
    const first = authz.can(acmeUser(['r']), 'old:perm');
    version = 2;
    authz.invalidate('acme');
    release();
    expect(await first).toBe(true);
    expect(authz.cachedGraph('acme')).toBeUndefined();
    const second = authz.can(acmeUser(['r']), 'new:perm');
    await new Promise((r) => setTimeout(r, 0));
    release();
    expect(await second).toBe(true);
  });

  it('refuses a tenant whose roles are invalid (cycle, clash) and retries the load later', async () => {
    let roles: RoleDefinition[] = [
      { name: 'a', inherits: ['b'], allow: [] },
      { name: 'b', inherits: ['a'], allow: [] },
    ];
    const authz = new Authorizer({ roles: STATIC, store: new LoaderRoleStore(() => roles) });
    const err = await authz.can(acmeUser(['a']), 'x:y').catch((e: unknown) => e);
    expect(AuthErrors.AUTH_CONFIG_INVALID.is(err)).toBe(true);
    expect((err as Error).message).toMatch(/a → b → a|b → a → b/);
    roles = [{ name: 'admin', allow: [] }];
    await expect(authz.can(acmeUser(['admin']), 'x:y')).rejects.toThrow(/static roles/);
    roles = [{ name: 'a', allow: ['x:y'] }];
    expect(await authz.can(acmeUser(['a']), 'x:y')).toBe(true);
  });

  it('explains and lists permissions with the tenant’s roles', async () => {
    const store = new MemoryRoleStore({
      acme: [{ name: 'clerk', inherits: ['member'], allow: [], deny: ['files:delete'] }],
    });
    const authz = new Authorizer({ roles: STATIC, store });
    expect(await authz.explain(acmeUser(['clerk']), 'files:delete')).toMatchObject({
      reason: 'denied',
      role: 'clerk',
      deny: 'files:delete',
    });
    expect(await authz.permissionsOf(acmeUser(['clerk']))).toEqual({
      allow: ['files:*', 'notifications:read', 'users:read'],
      conditional: [],
      deny: ['files:delete'],
    });
    expect(await authz.hasRole(acmeUser(['clerk']), 'member')).toBe(true);
  });

  it('keeps at most maxCachedTenants graphs', async () => {
    const authz = new Authorizer({ store: new MemoryRoleStore(), maxCachedTenants: 2 });
    for (const t of ['t1', 't2', 't3']) await authz.graphFor(t);
    expect(authz.cachedGraph('t1')).toBeUndefined();
    expect(authz.cachedGraph('t3')).toBeDefined();
  });
});
