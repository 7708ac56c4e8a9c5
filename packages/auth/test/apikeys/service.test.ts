import type { Principal } from '@koaforge/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/apikeys/api-key-service.js';
import { ApiKeyVerifier } from '../../src/apikeys/api-key-verifier.js';
import { MemoryApiKeyStore } from '../../src/apikeys/memory-store.js';
import { alice, auditSink, bob, carol, rejection, showcaseAuthorizer } from './fixtures.js';

let now: number;
let store: MemoryApiKeyStore;
let audit: ReturnType<typeof auditSink>;
let service: ApiKeyService;
let verifier: ApiKeyVerifier;

beforeEach(() => {
  now = Date.parse('2030-01-01T00:00:00.000Z');
  store = new MemoryApiKeyStore({ now: () => now });
  audit = auditSink();
  service = new ApiKeyService({ store, authorizer: showcaseAuthorizer(), audit, now: () => now, maxKeysPerOwner: 5 });
  verifier = new ApiKeyVerifier({ store, throttle: false, now: () => now });
});

const keyPrincipal = async (key: string) => verifier.verify(key, { ip: '198.51.100.1' });

describe('ApiKeyService.create', () => {
  it('answers the key once, with its id, prefix, scopes, name and times', async () => {
    const created = await service.create(bob, {
      name: 'CI deploy',
      scopes: ['files:write', 'files:write', 'users:read'],
    });
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'id', 'key', 'name', 'prefix', 'scopes']);
    expect(created).toMatchObject({
      name: 'CI deploy',
      scopes: ['files:write', 'users:read'],
      createdAt: '2030-01-01T00:00:00.000Z',
    });
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    expect(created.prefix).toBe(`kf_live_${created.id}`);
    const record = await store.get(created.id);
    expect(JSON.stringify(record)).not.toContain(created.key.split('_')[3]);
  });

  it('takes the owner and tenant from the caller, never from the body', async () => {
    const created = await service.create(bob, {
      name: 'k',
      scopes: ['users:read'],
      ownerId: 'alice',
      tenantId: 'globex',
      roles: ['admin'],
    });
    expect(await store.get(created.id)).toMatchObject({
      ownerId: 'bob',
      tenantId: 'acme',
      roles: ['member'],
      createdBy: 'bob',
    });
    expect(await keyPrincipal(created.key)).toEqual({
      id: created.id,
      type: 'apiKey',
      tenantId: 'acme',
      scopes: ['users:read'],
      roles: ['member'],
      claims: { ownerId: 'bob' },
    });
  });

  it('refuses scopes beyond what the caller may do (AUTH_SCOPE_ESCALATION) and audits it', async () => {
    for (const scopes of [['users:write'], ['*'], ['files:*', 'users:*'], ['*:read']]) {
      const err = await rejection(service.create(bob, { name: 'k', scopes }));
      expect(err.code, scopes.join()).toBe('AUTH_SCOPE_ESCALATION');
    }
    expect(audit.events.at(-1)).toMatchObject({
      type: 'apikey.created',
      outcome: 'failure',
      actorId: 'bob',
      reason: 'scope-escalation',
      data: { refused: '*:read' },
    });
    expect((await service.create(bob, { name: 'k', scopes: ['files:*', 'users:read'] })).scopes).toEqual([
      'files:*',
      'users:read',
    ]);
    expect((await service.create(alice, { name: 'k', scopes: ['*'] })).scopes).toEqual(['*']);
  });

  it('never lets a key make a key with wider scopes or a longer life than its own', async () => {
    const parent = await service.create(alice, { name: 'p', scopes: ['files:*'], expiresInSeconds: 3600 });
    const asKey = await keyPrincipal(parent.key);
    for (const scopes of [['users:read'], ['*'], ['files:*', '*:read']]) {
      expect((await rejection(service.create(asKey, { name: 'c', scopes }))).code).toBe('AUTH_SCOPE_ESCALATION');
    }
    const longer = service.create(asKey, { name: 'c', scopes: ['files:read'], expiresInSeconds: 7200 });
    expect((await rejection(longer)).code).toBe('AUTH_SCOPE_ESCALATION');
    now += 1000;
    const child = await service.create(asKey, { name: 'c', scopes: ['files:read'] });
    expect(child.expiresAt).toBe(parent.expiresAt);
    expect((await keyPrincipal(child.key)).scopes).toEqual(['files:read']);
    expect(await store.get(child.id)).toMatchObject({ ownerId: 'alice', tenantId: 'acme', createdBy: parent.id });
    expect((await service.list(asKey)).map((k) => k.id)).toEqual([parent.id, child.id]);
    await service.revoke(alice, parent.id);
    expect((await rejection(service.create(asKey, { name: 'c', scopes: ['files:read'] }))).code).toBe(
      'AUTH_API_KEY_INVALID',
    );
  });

  it('validates input with VALIDATION_FAILED naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [null, 'body'],
      [{ scopes: ['users:read'] }, 'name'],
      [{ name: ' ', scopes: ['users:read'] }, 'name'],
      [{ name: 'a\nb', scopes: ['users:read'] }, 'name'],
      [{ name: 'x'.repeat(101), scopes: ['users:read'] }, 'name'],
      [{ name: 'k', scopes: [] }, 'scopes'],
      [{ name: 'k', scopes: 'users:read' }, 'scopes'],
      [{ name: 'k', scopes: ['users'] }, 'scopes'],
      [{ name: 'k', scopes: [42] }, 'scopes'],
      [{ name: 'k', scopes: Array.from({ length: 51 }, (_, i) => `r${i}:read`) }, 'scopes'],
      [{ name: 'k', scopes: ['users:read'], expiresAt: '2029-12-31T00:00:00Z' }, 'expiresAt'],
      [{ name: 'k', scopes: ['users:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ name: 'k', scopes: ['users:read'], expiresInSeconds: 0 }, 'expiresInSeconds'],
    ];
    for (const [input, field] of cases) {
      const err = (await rejection(service.create(alice, input))) as Error & { code?: string; details?: unknown };
      expect(err.code, JSON.stringify(input)).toBe('VALIDATION_FAILED');
      expect(err.details).toMatchObject({ field });
    }
    expect(audit.events).toEqual([]);
  });

  it('caps the number of unexpired keys per owner', async () => {
    for (let i = 0; i < 5; i++) await service.create(bob, { name: `k${i}`, scopes: ['users:read'] });
    expect((await rejection(service.create(bob, { name: 'k6', scopes: ['users:read'] }))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(await service.create(carol, { name: 'other owner', scopes: ['users:read'] })).toBeDefined();
  });

  it('refuses callers that are neither users nor their keys', async () => {
    const service2: Principal = { id: 'svc', type: 'service' };
    expect((await rejection(service.create(service2, { name: 'k', scopes: ['users:read'] }))).code).toBe(
      'AUTH_FORBIDDEN',
    );
  });
});

describe('ApiKeyService.list / revoke / expire', () => {
  it('lists the caller’s keys in its tenant, and never the key, its secret or its hash', async () => {
    const a = await service.create(bob, { name: 'a', scopes: ['users:read'] });
    now += 1000;
    const b = await service.create(bob, { name: 'b', scopes: ['files:read'], expiresInSeconds: 60 });
    await service.create(alice, { name: 'alice’s', scopes: ['*'] });
    await keyPrincipal(a.key);
    const list = await service.list(bob);
    expect(list.map((k) => k.id)).toEqual([a.id, b.id]);
    expect(Object.keys(list[0]!).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'scopes']);
    expect(list[1]).toEqual({
      id: b.id,
      name: 'b',
      prefix: b.prefix,
      scopes: ['files:read'],
      createdAt: '2030-01-01T00:00:01.000Z',
      expiresAt: '2030-01-01T00:01:01.000Z',
    });
    const serialized = JSON.stringify(list);
    for (const created of [a, b]) {
      expect(serialized).not.toContain(created.key);
      expect(serialized).not.toContain(created.key.split('_')[3]);
      expect(serialized).not.toContain((await store.get(created.id))!.secretHash);
    }
    expect(serialized).not.toContain('secretHash');
    expect(await service.list(carol)).toEqual([]);
  });

  it('revokes: the key stops working at once; another owner’s or tenant’s key is not found', async () => {
    const created = await service.create(bob, { name: 'a', scopes: ['users:read'] });
    for (const other of [alice, carol, { ...bob, tenantId: 'globex' }]) {
      expect((await rejection(service.revoke(other, created.id))).code).toBe('AUTH_API_KEY_NOT_FOUND');
    }
    await keyPrincipal(created.key);
    await service.revoke(bob, created.id);
    expect((await rejection(keyPrincipal(created.key))).code).toBe('AUTH_API_KEY_INVALID');
    expect(await service.list(bob)).toEqual([]);
    expect((await rejection(service.revoke(bob, created.id))).code).toBe('AUTH_API_KEY_NOT_FOUND');
    expect(audit.events.map((e) => [e.type, e.outcome, e.subjectId])).toEqual([
      ['apikey.created', 'success', created.id],
      ['apikey.revoked', 'success', created.id],
    ]);
  });

  it('expires a key now or later, only ever shortening its life', async () => {
    const created = await service.create(bob, { name: 'rotating', scopes: ['users:read'], expiresInSeconds: 7200 });
    const later = new Date(now + 3600_000).toISOString();
    expect((await service.expire(bob, created.id, later)).expiresAt).toBe(later);
    expect((await service.expire(bob, created.id, new Date(now + 99 * 3600_000))).expiresAt).toBe(later);
    expect(await keyPrincipal(created.key)).toMatchObject({ id: created.id });
    now += 3600_000;
    expect((await rejection(keyPrincipal(created.key))).code).toBe('AUTH_API_KEY_INVALID');
    expect((await service.list(bob))[0]?.expiresAt).toBe(later);

    const other = await service.create(bob, { name: 'now', scopes: ['users:read'] });
    expect((await service.expire(bob, other.id)).expiresAt).toBe(new Date(now).toISOString());
    expect((await rejection(keyPrincipal(other.key))).code).toBe('AUTH_API_KEY_INVALID');
    expect((await rejection(service.expire(alice, other.id))).code).toBe('AUTH_API_KEY_NOT_FOUND');
    expect(audit.events.at(-1)).toMatchObject({ type: 'apikey.revoked', reason: 'expiry-set', subjectId: other.id });
  });

  it('never puts a key, secret or hash in an audit event', async () => {
    const created = await service.create(alice, { name: 'a', scopes: ['*'] });
    await service.expire(alice, created.id, new Date(now + 1000));
    await service.revoke(alice, created.id);
    const text = JSON.stringify(audit.events);
    expect(text).not.toContain(created.key.split('_')[3]);
    expect(audit.events.map((e) => e.type)).toEqual(['apikey.created', 'apikey.revoked', 'apikey.revoked']);
  });
});
