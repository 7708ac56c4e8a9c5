import { describe, expect, it } from 'vitest';
import type { TenantChange, TenantRecord, TenantRegistry } from '../../src/types.js';

/** A registry under test, seeded with `tenants`, and how to change it (absent for read-only ones). */
export interface RegistryUnderTest {
  registry: TenantRegistry;
  /** Add or replace a tenant the way this registry is changed (its own `put`, or the app's store + `invalidate`). */
  put?(record: TenantRecord): Promise<unknown>;
  remove?(id: string): Promise<unknown>;
  close?(): Promise<void>;
}

export const SEED: TenantRecord[] = [
  {
    id: 'acme',
    name: 'Acme',
    domains: ['App.Acme.com', 'acme.test'],
    settings: { uploads: { maxBytes: 1000 } },
    quotas: { seats: 25 },
    meta: { plan: 'pro' },
  },
  { id: 'globex', name: 'Globex', status: 'active' },
  { id: 'initech', name: 'Initech', status: 'suspended' },
];

/**
 * The behaviour every tenant registry must have, run against each implementation by
 * `registries.test.ts`. `make` is called once per case with fresh seed records.
 */
export function runRegistryContract(name: string, make: (seed: TenantRecord[]) => Promise<RegistryUnderTest>): void {
  const seed = () => structuredClone(SEED);
  const withRegistry = async (fn: (r: RegistryUnderTest) => Promise<void>) => {
    const r = await make(seed());
    try {
      await fn(r);
    } finally {
      await r.close?.();
    }
  };

  describe(`tenant registry contract: ${name}`, () => {
    it('finds tenants by id with every field, and nothing for unknown ids', () =>
      withRegistry(async ({ registry }) => {
        expect(await registry.get('acme')).toEqual({ ...SEED[0], domains: ['app.acme.com', 'acme.test'] });
        expect(await registry.get('globex')).toMatchObject({ id: 'globex', name: 'Globex' });
        expect(await registry.get('nobody')).toBeUndefined();
      }));

    it('keeps suspended tenants with their status (the resolver decides how to answer)', () =>
      withRegistry(async ({ registry }) => {
        expect(await registry.get('initech')).toMatchObject({ id: 'initech', status: 'suspended' });
      }));

    it('finds tenants by custom domain, stored in normal form', () =>
      withRegistry(async ({ registry }) => {
        if (registry.byDomain === undefined) return;
        expect((await registry.byDomain('app.acme.com'))?.id).toBe('acme');
        expect((await registry.byDomain('acme.test'))?.id).toBe('acme');
        expect(await registry.byDomain('nobody.test')).toBeUndefined();
      }));

    it('peeks synchronously: the record or null once known, never a promise', () =>
      withRegistry(async ({ registry }) => {
        if (registry.peek === undefined) return;
        await registry.get('acme');
        await registry.get('nobody');
        expect(registry.peek('acme')).toMatchObject({ id: 'acme' });
        expect(registry.peek('nobody')).toBeNull();
        const unknownYet = registry.peek('globex');
        expect(unknownYet === undefined || unknownYet?.id === 'globex').toBe(true);
        if (registry.peekDomain !== undefined && registry.byDomain !== undefined) {
          await registry.byDomain('app.acme.com');
          expect(registry.peekDomain('app.acme.com')?.id).toBe('acme');
        }
      }));

    it('hands out frozen records that callers cannot change', () =>
      withRegistry(async ({ registry }) => {
        const record = (await registry.get('acme'))!;
        expect(Object.isFrozen(record)).toBe(true);
        expect(() => {
          (record.settings as Record<string, unknown>).uploads = null;
        }).toThrow();
        expect((await registry.get('acme'))?.settings).toEqual({ uploads: { maxBytes: 1000 } });
      }));

    it('sees updates at once, moves domains, and tells onChange', () =>
      withRegistry(async ({ registry, put }) => {
        if (put === undefined) return;
        const changes: TenantChange[] = [];
        registry.onChange?.((c) => changes.push(c));
        await registry.get('acme');
        await registry.byDomain?.('app.acme.com');
        await registry.byDomain?.('new.acme.test');
        await put({ id: 'acme', name: 'Acme Corp', domains: ['new.acme.test'], status: 'suspended' });
        expect(await registry.get('acme')).toMatchObject({ name: 'Acme Corp', status: 'suspended' });
        if (registry.byDomain !== undefined) {
          expect(await registry.byDomain('app.acme.com')).toBeUndefined();
          expect((await registry.byDomain('new.acme.test'))?.id).toBe('acme');
        }
        if (registry.onChange !== undefined) expect(changes).toContainEqual({ id: 'acme', change: 'updated' });
      }));

    it('forgets removed tenants and tells onChange', () =>
      withRegistry(async ({ registry, remove }) => {
        if (remove === undefined) return;
        const changes: TenantChange[] = [];
        registry.onChange?.((c) => changes.push(c));
        await registry.get('acme');
        await remove('acme');
        expect(await registry.get('acme')).toBeUndefined();
        expect(registry.peek?.('acme') ?? null).toBeNull();
        if (registry.byDomain !== undefined) expect(await registry.byDomain('app.acme.com')).toBeUndefined();
        if (registry.onChange !== undefined) expect(changes).toContainEqual({ id: 'acme', change: 'removed' });
      }));

    it('refuses a domain that belongs to another tenant (409 TENANT_DOMAIN_TAKEN)', () =>
      withRegistry(async ({ registry, put }) => {
        if (put === undefined) return;
        await expect(put({ id: 'globex', domains: ['app.acme.com'] })).rejects.toMatchObject({
          code: 'TENANT_DOMAIN_TAKEN',
          status: 409,
        });
        expect((await registry.byDomain?.('app.acme.com'))?.id ?? 'acme').toBe('acme');
      }));
  });
}
