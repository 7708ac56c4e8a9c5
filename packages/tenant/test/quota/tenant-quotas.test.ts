import { createMetricsRegistry } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import { MemoryQuotaStore, TenantQuotas, type TenantRecord } from '../../src/index.js';

function quotasAt(now: { t: number }, records: Record<string, TenantRecord> = {}, extra = {}) {
  return new TenantQuotas({
    quotas: {
      requests: { kind: 'period', period: 'day', default: 3 },
      exports: { kind: 'period', period: 'month' },
      storageBytes: { kind: 'gauge', default: 1000 },
      seats: { kind: 'gauge' },
    },
    records: async (id) => records[id] ?? { id },
    now: () => now.t,
    store: new MemoryQuotaStore({ now: () => now.t }),
    ...extra,
  });
}

describe('TenantQuotas', () => {
  it('counts period quotas per fixed window and says when the window resets', async () => {
    const now = { t: Date.UTC(2026, 0, 10, 23, 59, 0) };
    const quotas = quotasAt(now);
    for (let i = 0; i < 3; i++) expect((await quotas.reserve('requests', 1, 'acme')).admitted).toBe(true);
    const refused = await quotas.reserve('requests', 1, 'acme');
    expect(refused).toMatchObject({
      admitted: false,
      quota: 'requests',
      kind: 'period',
      limit: 3,
      used: 3,
      remaining: 0,
      windowSeconds: 86_400,
      resetSeconds: 60,
      retryAfterSeconds: 60,
    });
    // Another tenant has its own count.
    expect((await quotas.reserve('requests', 1, 'globex')).admitted).toBe(true);
    // The next UTC day starts a new window.
    now.t += 61_000;
    expect(await quotas.reserve('requests', 1, 'acme')).toMatchObject({ admitted: true, used: 1, remaining: 2 });
    expect((await quotas.usage('requests', 'acme')).used).toBe(1);
  });

  it('counts month quotas per calendar month', async () => {
    const now = { t: Date.UTC(2026, 1, 28, 12) };
    const quotas = quotasAt(now, { acme: { id: 'acme', quotas: { exports: 2 } } });
    await quotas.enforce('exports', 2, 'acme');
    const refused = await quotas.reserve('exports', 1, 'acme');
    expect(refused.admitted).toBe(false);
    expect(refused.windowSeconds).toBe(28 * 86_400);
    expect(refused.retryAfterSeconds).toBe(12 * 3600);
    now.t = Date.UTC(2026, 2, 1, 0, 0, 1);
    expect((await quotas.reserve('exports', 1, 'acme')).admitted).toBe(true);
  });

  it('takes limits from the record, else plan defaults, else the quota default, else unlimited', async () => {
    const now = { t: Date.now() };
    const records: Record<string, TenantRecord> = {
      big: { id: 'big', quotas: { seats: 100 }, meta: { plan: 'pro' } },
      pro: { id: 'pro', meta: { plan: 'pro' } },
      free: { id: 'free', meta: { plan: 'free' } },
    };
    const plans: Record<string, Record<string, number>> = { pro: { storageBytes: 10_000 }, free: { seats: 1 } };
    const quotas = quotasAt(now, records, {
      defaults: (record: TenantRecord | undefined, quota: string) => plans[String(record?.meta?.plan)]?.[quota],
    });
    expect(await quotas.limitOf('seats', 'big')).toBe(100);
    expect(await quotas.limitOf('storageBytes', 'pro')).toBe(10_000);
    expect(await quotas.limitOf('storageBytes', 'free')).toBe(1000);
    expect(await quotas.limitOf('seats', 'free')).toBe(1);
    expect(await quotas.limitOf('seats', 'pro')).toBe(Number.POSITIVE_INFINITY);
    expect((await quotas.reserve('seats', 1_000_000, 'pro')).admitted).toBe(true);
  });

  it('reserves and releases gauges, refusing what does not fit', async () => {
    const quotas = quotasAt({ t: Date.now() });
    expect((await quotas.enforce('storageBytes', 600, 'acme')).remaining).toBe(400);
    const err = await quotas.enforce('storageBytes', 500, 'acme').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'TENANT_QUOTA_EXCEEDED',
      status: 429,
      details: { quota: 'storageBytes', limit: 1000, used: 600, requested: 500 },
    });
    // Gauges do not say "retry later": only a release frees them.
    expect((err as { headers: Record<string, string> }).headers['Retry-After']).toBeUndefined();
    expect(await quotas.release('storageBytes', 200, 'acme')).toBe(400);
    expect((await quotas.check('storageBytes', 600, 'acme')).admitted).toBe(true);
    expect((await quotas.check('storageBytes', 601, 'acme')).admitted).toBe(false);
    expect((await quotas.usage('storageBytes', 'acme')).used).toBe(400);
    await quotas.set('storageBytes', 999, 'acme');
    expect((await quotas.usage('storageBytes', 'acme')).remaining).toBe(1);
    await expect(quotas.release('requests', 1, 'acme')).rejects.toThrow(/gauges/);
    await expect(quotas.reserve('nope', 1, 'acme')).rejects.toThrow(/Unknown quota/);
    await expect(quotas.reserve('seats', 1)).rejects.toMatchObject({ code: 'TENANT_REQUIRED' });
  });

  it('counts rejections by quota, with a tenant label only when the operator opts in', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const quotas = quotasAt({ t: Date.now() }, {}, { metrics: registry });
    await quotas.reserve('storageBytes', 2000, 'acme');
    await quotas.reserve('storageBytes', 2000, 'globex');
    await quotas.reserve('storageBytes', 10, 'acme');
    const text = await registry.metrics();
    expect(text).toContain('tenant_quota_rejections_total{quota="storageBytes"} 2');
    expect(text).not.toContain('tenant=');

    const labelled = createMetricsRegistry({ defaultMetrics: false });
    const perTenant = quotasAt({ t: Date.now() }, {}, { metrics: labelled, metricsTenantLabel: true });
    await perTenant.reserve('storageBytes', 2000, 'acme');
    expect(await labelled.metrics()).toContain('tenant_quota_rejections_total{quota="storageBytes",tenant="acme"} 1');
  });

  it('refuses bad definitions at construction', () => {
    expect(() => new TenantQuotas({ quotas: { 'bad name': { kind: 'gauge' } } })).toThrow(/quota name/);
    expect(() => new TenantQuotas({ quotas: { r: { kind: 'period', period: 'fortnight' as 'day' } } })).toThrow(
      /period/,
    );
    expect(() => new TenantQuotas({ quotas: { r: { kind: 'period', period: 0 } } })).toThrow(/period/);
  });

  it('stores counters in the tenant’s key scope', async () => {
    const store = new MemoryQuotaStore();
    const quotas = new TenantQuotas({ quotas: { seats: { kind: 'gauge' } }, store });
    await quotas.reserve('seats', 2, 'acme');
    expect(await store.usage('t:acme:quota:seats')).toBe(2);
  });
});
