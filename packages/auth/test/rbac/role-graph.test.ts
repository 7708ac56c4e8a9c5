import type { Principal } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { covers, intersect, overlaps, parsePermission } from '../../src/rbac/permission.js';
import type { ConditionContext, RoleDefinition } from '../../src/rbac/role-definition.js';
import { RoleGraph } from '../../src/rbac/role-graph.js';

const user = (roles: string[], extra: Partial<Principal> = {}): Principal => ({
  id: 'u1',
  type: 'user',
  roles,
  ...extra,
});

const SHOWCASE: RoleDefinition[] = [
  { name: 'admin', allow: ['*'] },
  { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'] },
];

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(AuthErrors.AUTH_CONFIG_INVALID.is(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected AUTH_CONFIG_INVALID');
}

describe('permissions', () => {
  it('parses resource:action with wildcards and refuses malformed ones', () => {
    expect(parsePermission('users:write')).toMatchObject({ resource: 'users', action: 'write', kind: 'exact' });
    expect(parsePermission('files:*').kind).toBe('anyAction');
    expect(parsePermission('*:read').kind).toBe('anyResource');
    expect(parsePermission('*:*')).toMatchObject({ text: '*', kind: 'everything' });
    expect(parsePermission('billing.invoices:read').resource).toBe('billing.invoices');
    for (const bad of ['', 'users', 'users:', ':read', 'a:b:c', 'us ers:read', 'files:re*d', 'x'.repeat(201)]) {
      expect(() => parsePermission(bad), bad).toThrow(TypeError);
    }
  });

  it('covers, overlaps and intersects patterns', () => {
    const p = parsePermission;
    expect(covers(p('files:*'), p('files:read'))).toBe(true);
    expect(covers(p('*:read'), p('users:read'))).toBe(true);
    expect(covers(p('files:read'), p('files:*'))).toBe(false);
    expect(overlaps(p('files:delete'), p('files:*'))).toBe(true);
    expect(overlaps(p('files:delete'), p('users:*'))).toBe(false);
    expect(intersect(p('files:*'), p('*:read'))?.text).toBe('files:read');
    expect(intersect(p('*'), p('files:*'))?.text).toBe('files:*');
    expect(intersect(p('files:read'), p('users:read'))).toBeUndefined();
  });
});

describe('RoleGraph: loading', () => {
  it('refuses an inheritance cycle at load, naming the whole cycle', () => {
    const message = configError(
      () =>
        new RoleGraph([
          { name: 'a', inherits: ['b'], allow: [] },
          { name: 'b', inherits: ['c'], allow: [] },
          { name: 'c', inherits: ['a'], allow: [] },
          { name: 'd', allow: [] },
        ]),
    );
    expect(message).toContain('a → b → c → a');
    expect(configError(() => new RoleGraph([{ name: 'self', inherits: ['self'], allow: [] }]))).toContain(
      'self → self',
    );
  });

  it('refuses unknown parents, duplicates, bad names and bad permissions, naming them', () => {
    expect(configError(() => new RoleGraph([{ name: 'a', inherits: ['ghost'], allow: [] }]))).toContain('"ghost"');
    expect(configError(() => new RoleGraph([...SHOWCASE, { name: 'admin', allow: [] }]))).toContain('defined twice');
    expect(configError(() => new RoleGraph([{ name: 'a b', allow: [] }]))).toContain('"a b"');
    expect(configError(() => new RoleGraph([{ name: 'a', allow: ['files'] }]))).toContain('Role "a" allow');
    expect(configError(() => new RoleGraph([{ name: 'a', allow: [], deny: ['x:y:z'] }]))).toContain('Role "a" deny');
  });

  it('lets an extension inherit static roles but never redefine them', () => {
    const base = new RoleGraph(SHOWCASE);
    const tenant = base.extend([{ name: 'auditor', inherits: ['member'], allow: ['audit:read'] }]);
    expect(tenant.can(user(['auditor']), 'files:write')).toBe(true);
    expect(base.role('auditor')).toBeUndefined();
    expect(configError(() => base.extend([{ name: 'admin', allow: [] }]))).toContain('static roles');
  });
});

describe('RoleGraph: checks', () => {
  const graph = new RoleGraph([
    ...SHOWCASE,
    { name: 'viewer', allow: ['*:read'] },
    { name: 'editor', inherits: ['viewer'], allow: ['docs:write'] },
    { name: 'lead', inherits: ['editor'], allow: ['docs:publish'] },
    { name: 'no-delete', allow: [], deny: ['files:delete'] },
    { name: 'ops', allow: ['*'], deny: ['billing:*'] },
  ]);

  it('grants the showcase roles as documented', () => {
    const bob = user(['member']);
    expect(graph.can(bob, 'users:read')).toBe(true);
    expect(graph.can(bob, 'users:write')).toBe(false);
    expect(graph.can(bob, 'files:delete')).toBe(true);
    expect(graph.can(bob, 'notifications:write')).toBe(false);
    expect(graph.can(user(['admin']), 'anything.at.all:whatever')).toBe(true);
  });

  it('inherits transitively', () => {
    const lead = user(['lead']);
    expect(graph.can(lead, 'docs:publish')).toBe(true);
    expect(graph.can(lead, 'docs:write')).toBe(true);
    expect(graph.can(lead, 'invoices:read')).toBe(true);
    expect(graph.can(lead, 'invoices:write')).toBe(false);
    expect(graph.hasRole(lead, 'viewer')).toBe(true);
    expect(graph.hasRole(user(['viewer']), 'lead')).toBe(false);
  });

  it('matches wildcard grants and wildcard checks', () => {
    expect(graph.can(user(['viewer']), 'users:read')).toBe(true);
    expect(graph.can(user(['viewer']), '*:read')).toBe(true);
    expect(graph.can(user(['viewer']), 'users:*')).toBe(false);
    expect(graph.can(user(['member']), 'files:*')).toBe(true);
    expect(graph.can(user(['member']), '*')).toBe(false);
    expect(graph.can(user(['admin']), '*')).toBe(true);
  });

  it('lets deny win over allow, across roles and for wildcard checks', () => {
    const both = user(['member', 'no-delete']);
    expect(graph.can(both, 'files:read')).toBe(true);
    expect(graph.can(both, 'files:delete')).toBe(false);
    expect(graph.can(both, 'files:*')).toBe(false);
    const ops = user(['ops']);
    expect(graph.can(ops, 'users:write')).toBe(true);
    expect(graph.can(ops, 'billing:refund')).toBe(false);
    expect(graph.can(ops, '*:refund')).toBe(false);
    expect(graph.can(user(['admin', 'ops']), 'billing:read')).toBe(false);
  });

  it('grants nothing for no roles or unknown roles', () => {
    expect(graph.can(user([]), 'users:read')).toBe(false);
    expect(graph.can({ id: 'x', type: 'user' }, 'users:read')).toBe(false);
    expect(graph.can(user(['ghost']), 'users:read')).toBe(false);
  });

  it('never lets two role lists share a memo entry because of a separator in a name', () => {
    const g = new RoleGraph([
      { name: 'a', allow: ['a:x'] },
      { name: 'b', allow: ['b:x'] },
    ]);
    expect(g.can(user(['a', 'b']), 'b:x')).toBe(true);
    expect(g.can(user(['a\u0000b']), 'b:x')).toBe(false);
    expect(g.can(user(['a', 'b']), 'b:x')).toBe(true);
  });

  it('never serves a stale answer for a roles list changed in place', () => {
    const roles = ['member'];
    const p = user(roles);
    expect(graph.can(p, 'users:write')).toBe(false);
    roles[0] = 'admin';
    expect(graph.can(p, 'users:write')).toBe(true);
    roles.push('ops');
    expect(graph.can(p, 'billing:read')).toBe(false);
  });

  it('limits API keys to the intersection of their owner roles and their scopes', () => {
    const key = (roles: string[], scopes?: string[]): Principal => ({
      id: 'k1',
      type: 'apiKey',
      roles,
      ...(scopes ? { scopes } : {}),
      claims: { ownerId: 'u1' },
    });
    const adminKey = key(['admin'], ['files:read', '*:list']);
    expect(graph.can(adminKey, 'files:read')).toBe(true);
    expect(graph.can(adminKey, 'users:list')).toBe(true);
    expect(graph.can(adminKey, 'files:write')).toBe(false);
    expect(graph.can(key(['member'], ['users:*']), 'users:write')).toBe(false);
    expect(graph.can(key(['member'], ['*']), 'users:read')).toBe(true);
    expect(graph.can(key(['member']), 'users:read')).toBe(false);
    expect(graph.hasRole(adminKey, 'admin')).toBe(false);
    expect(graph.hasRole(key(['admin'], ['*']), 'admin')).toBe(true);
    expect(graph.permissionsOf(adminKey).allow).toEqual(['*:list', 'files:read']);
    expect(graph.permissionsOf(key(['member'], ['*:read'])).allow).toEqual([
      'files:read',
      'notifications:read',
      'users:read',
    ]);
  });
});

describe('RoleGraph: conditions', () => {
  const isOwner = ({ principal, resource }: ConditionContext) =>
    (resource as { ownerId?: string } | undefined)?.ownerId === principal.id;
  const graph = new RoleGraph([
    { name: 'member', allow: ['files:read', { permission: 'files:delete', when: isOwner }] },
    {
      name: 'tenant-admin',
      allow: [{ permission: '*', when: ({ principal, tenantId }) => tenantId === principal.tenantId }],
    },
    { name: 'mod', inherits: ['member'], allow: [], deny: ['files:delete'] },
  ]);

  it('grants conditionally, with the resource and tenant', () => {
    const bob = user(['member']);
    expect(graph.can(bob, 'files:delete', { resource: { ownerId: 'u1' } })).toBe(true);
    expect(graph.can(bob, 'files:delete', { resource: { ownerId: 'u2' } })).toBe(false);
    expect(graph.can(bob, 'files:delete')).toBe(false);
    const ta = user(['tenant-admin'], { tenantId: 'acme' });
    expect(graph.can(ta, 'users:write')).toBe(true);
    expect(graph.can(ta, 'users:write', { tenantId: 'acme' })).toBe(true);
    expect(graph.can(ta, 'users:write', { tenantId: 'globex' })).toBe(false);
  });

  it('does not run conditions when a deny already refuses', () => {
    let calls = 0;
    const g = new RoleGraph([
      {
        name: 'r',
        allow: [{ permission: 'x:y', when: () => ++calls > 0 }],
        deny: ['x:y'],
      },
    ]);
    expect(g.can(user(['r']), 'x:y')).toBe(false);
    expect(calls).toBe(0);
    expect(graph.can(user(['mod']), 'files:delete', { resource: { ownerId: 'u1' } })).toBe(false);
  });
});

describe('RoleGraph: explain', () => {
  const isOwner = ({ principal, resource }: ConditionContext) =>
    (resource as { ownerId?: string } | undefined)?.ownerId === principal.id;
  const graph = new RoleGraph([
    { name: 'viewer', allow: ['*:read'], deny: ['secrets:*'] },
    { name: 'editor', inherits: ['viewer'], allow: ['docs:write', { permission: 'docs:delete', when: isOwner }] },
  ]);
  const ed = user(['editor', 'ghost']);

  it('names the role, grant and inheritance path that allowed', () => {
    const e = graph.explain(ed, 'users:read');
    expect(e).toMatchObject({
      allowed: true,
      reason: 'granted',
      role: 'viewer',
      grant: '*:read',
      via: ['editor', 'viewer'],
    });
    expect(e.message).toContain('editor → viewer');
    expect(graph.explain(ed, 'docs:delete', { resource: { ownerId: 'u1' } })).toMatchObject({
      allowed: true,
      conditional: true,
      grant: 'docs:delete',
    });
  });

  it('names the deny, the failed condition, the missing scope or the absence that refused', () => {
    expect(graph.explain(ed, 'secrets:read')).toMatchObject({
      allowed: false,
      reason: 'denied',
      role: 'viewer',
      deny: 'secrets:*',
      via: ['editor', 'viewer'],
    });
    expect(graph.explain(ed, 'docs:delete', { resource: { ownerId: 'u2' } })).toMatchObject({
      allowed: false,
      reason: 'condition-failed',
      role: 'editor',
    });
    expect(graph.explain(ed, 'users:write')).toMatchObject({
      allowed: false,
      reason: 'not-granted',
      unknownRoles: ['ghost'],
    });
    const key: Principal = { id: 'k', type: 'apiKey', roles: ['editor'], scopes: ['docs:read'] };
    expect(graph.explain(key, 'docs:write')).toMatchObject({ allowed: false, reason: 'outside-scopes' });
  });

  it('always agrees with can', () => {
    const principals: Principal[] = [
      ed,
      user(['viewer']),
      user([]),
      { id: 'k', type: 'apiKey', roles: ['editor'], scopes: ['docs:*'] },
    ];
    const perms = ['users:read', 'docs:write', 'docs:delete', 'secrets:read', 'docs:*', '*:read', '*', 'x:y'];
    for (const p of principals) {
      for (const perm of perms) {
        for (const resource of [undefined, { ownerId: 'u1' }]) {
          const opts = { resource };
          expect(graph.explain(p, perm, opts).allowed, `${p.roles} ${perm}`).toBe(graph.can(p, perm, opts));
        }
      }
    }
  });
});
