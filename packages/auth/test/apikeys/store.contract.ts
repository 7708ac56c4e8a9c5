import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord, ApiKeyStore } from '../../src/apikeys/api-key-store.js';

let seq = 0;

/** A record with fresh ids, so cases sharing one store (one Redis) never see each other's keys. */
export function sampleRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  seq++;
  const id = `id${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  return {
    id,
    name: `key ${seq}`,
    prefix: `kf_live_${id}`,
    secretHash: 'x'.repeat(43),
    ownerId: 'owner-1',
    tenantId: 'acme',
    scopes: ['files:read', 'users:*'],
    roles: ['member'],
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, seq % 60, seq)).toISOString(),
    createdBy: 'owner-1',
    ...overrides,
  };
}

/**
 * The behaviour every API key store must have, run against memory and Redis by `stores.test.ts`.
 * `makeStore` is called once per case.
 */
export function runApiKeyStoreContract(name: string, makeStore: () => ApiKeyStore | Promise<ApiKeyStore>): void {
  describe(`API key store contract: ${name}`, () => {
    it('stores a record and gives it back as it was', async () => {
      const store = await makeStore();
      const r = sampleRecord({ expiresAt: '2031-01-01T00:00:00.000Z' });
      await store.insert(r);
      expect(await store.get(r.id)).toEqual(r);
      const noTenant = sampleRecord({ tenantId: undefined });
      const { tenantId: _drop, ...expected } = noTenant;
      await store.insert(noTenant);
      expect(await store.get(noTenant.id)).toEqual(expected);
      expect(await store.get('missing-id')).toBeUndefined();
    });

    it('refuses a second record with the same id', async () => {
      const store = await makeStore();
      const r = sampleRecord();
      await store.insert(r);
      await expect(store.insert({ ...r, name: 'other' })).rejects.toThrow();
      expect((await store.get(r.id))?.name).toBe(r.name);
    });

    it('lists an owner’s keys per tenant, oldest first', async () => {
      const store = await makeStore();
      const owner = `owner-${randomUUID()}`;
      const a = sampleRecord({ ownerId: owner, createdAt: '2030-01-01T00:00:02.000Z' });
      const b = sampleRecord({ ownerId: owner, createdAt: '2030-01-01T00:00:01.000Z' });
      const other = sampleRecord({ ownerId: owner, tenantId: 'globex' });
      const none = sampleRecord({ ownerId: owner, tenantId: undefined });
      for (const r of [a, b, other, none]) await store.insert(r);
      expect((await store.listByOwner(owner, 'acme')).map((r) => r.id)).toEqual([b.id, a.id]);
      expect((await store.listByOwner(owner, 'globex')).map((r) => r.id)).toEqual([other.id]);
      expect((await store.listByOwner(owner, undefined)).map((r) => r.id)).toEqual([none.id]);
      expect(await store.listByOwner(`nobody-${randomUUID()}`, 'acme')).toEqual([]);
    });

    it('deletes a record and drops it from the owner’s list', async () => {
      const store = await makeStore();
      const owner = `owner-${randomUUID()}`;
      const a = sampleRecord({ ownerId: owner });
      const b = sampleRecord({ ownerId: owner });
      await store.insert(a);
      await store.insert(b);
      expect(await store.delete(a.id)).toBe(true);
      expect(await store.delete(a.id)).toBe(false);
      expect(await store.get(a.id)).toBeUndefined();
      expect((await store.listByOwner(owner, 'acme')).map((r) => r.id)).toEqual([b.id]);
    });

    it('touches lastUsedAt, and never recreates a deleted record', async () => {
      const store = await makeStore();
      const r = sampleRecord();
      await store.insert(r);
      await store.touch(r.id, '2030-02-01T00:00:00.000Z');
      expect((await store.get(r.id))?.lastUsedAt).toBe('2030-02-01T00:00:00.000Z');
      await store.delete(r.id);
      await store.touch(r.id, '2030-02-02T00:00:00.000Z');
      expect(await store.get(r.id)).toBeUndefined();
    });

    it('sets expiresAt on an existing record only', async () => {
      const store = await makeStore();
      const r = sampleRecord();
      await store.insert(r);
      const at = new Date(Date.now() + 3600_000).toISOString();
      expect(await store.setExpiresAt(r.id, at)).toBe(true);
      expect((await store.get(r.id))?.expiresAt).toBe(at);
      expect(await store.setExpiresAt('missing-id', at)).toBe(false);
      expect(await store.get('missing-id')).toBeUndefined();
    });

    it('keeps an expired record (within retention) so lists still show it', async () => {
      const store = await makeStore();
      const owner = `owner-${randomUUID()}`;
      const r = sampleRecord({ ownerId: owner, expiresAt: new Date(Date.now() - 1000).toISOString() });
      await store.insert(r);
      expect((await store.get(r.id))?.expiresAt).toBe(r.expiresAt);
      expect(await store.listByOwner(owner, 'acme')).toHaveLength(1);
    });
  });
}
