import { type MetricsRegistry, sharedCounter } from '@koaforge/core';

export const QUOTA_REJECTIONS_METRIC = 'tenant_quota_rejections_total';

/** What quota enforcement counts. */
export interface QuotaMetrics {
  rejected(quota: string, tenantId: string): void;
}

const NOOP: QuotaMetrics = Object.freeze({ rejected: () => undefined });

/**
 * `tenant_quota_rejections_total{quota}`, with a `tenant` label only when asked for: one series
 * per tenant and quota can be a lot of series, so the operator opts in. Children per quota are
 * bound once; a registry that already has the metric (several quota sets, re-created apps in
 * tests) shares it.
 */
export function quotaMetrics(
  registry: MetricsRegistry | undefined,
  quotas: readonly string[],
  tenantLabel = false,
): QuotaMetrics {
  if (registry === undefined) return NOOP;
  const labelNames = tenantLabel ? (['quota', 'tenant'] as const) : (['quota'] as const);
  const counter = sharedCounter<string>(registry, {
    name: QUOTA_REJECTIONS_METRIC,
    help: tenantLabel
      ? 'Reservations refused by a tenant quota, by quota and tenant'
      : 'Reservations refused by a tenant quota, by quota',
    labelNames,
  });
  if (tenantLabel) {
    return { rejected: (quota, tenant) => counter.labels({ quota, tenant }).inc() };
  }
  const bound = new Map(quotas.map((q) => [q, counter.labels({ quota: q })]));
  return { rejected: (quota) => bound.get(quota)?.inc() };
}
