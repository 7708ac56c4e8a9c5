import type { Principal } from '@koaforge/core';
import type { ApiKeyRecord, ApiKeyStore } from '../../src/apikeys/api-key-store.js';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { Authorizer } from '../../src/rbac/authorizer.js';
import type { AuthUser } from '../../src/users/user-store.js';

/** The showcase's roles. */
export const showcaseAuthorizer = () =>
  new Authorizer({
    roles: [
      { name: 'admin', allow: ['*'] },
      { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'] },
    ],
  });

export const alice: Principal = { id: 'alice', type: 'user', tenantId: 'acme', roles: ['admin'] };
export const bob: Principal = { id: 'bob', type: 'user', tenantId: 'acme', roles: ['member'] };
export const carol: Principal = { id: 'carol', type: 'user', tenantId: 'globex', roles: ['admin'] };

export function usersOf(...principals: Principal[]): Map<string, AuthUser> {
  return new Map(
    principals.map((p) => [
      p.id,
      {
        id: p.id,
        email: `${p.id}@test`,
        emailVerified: true,
        tenantId: p.tenantId,
        roles: [...(p.roles ?? [])],
        createdAt: '2030-01-01T00:00:00.000Z',
      },
    ]),
  );
}

export function auditSink(): { events: AuditInput[]; record: (e: AuditInput) => void } {
  const events: AuditInput[] = [];
  return { events, record: (e) => events.push(e) };
}

/** Wraps a store and counts the calls of each method. */
export function countingStore(inner: ApiKeyStore): ApiKeyStore & { calls: Record<string, number>; total(): number } {
  const calls: Record<string, number> = {};
  const counted =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      calls[name] = (calls[name] ?? 0) + 1;
      return fn(...args);
    };
  return {
    calls,
    total: () => Object.values(calls).reduce((a, b) => a + b, 0),
    insert: counted('insert', (r: ApiKeyRecord) => inner.insert(r)),
    get: counted('get', (id: string) => inner.get(id)),
    listByOwner: counted('listByOwner', (o: string, t: string | undefined) => inner.listByOwner(o, t)),
    delete: counted('delete', (id: string) => inner.delete(id)),
    touch: counted('touch', (id: string, at: string) => inner.touch(id, at)),
    setExpiresAt: counted('setExpiresAt', (id: string, at: string) => inner.setExpiresAt(id, at)),
  };
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; headers?: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
