import type { Counter, Registry } from 'prom-client';
import { sharedCounter, sharedGauge } from '../metrics/shared-metric.js';

type Inc = { inc(value?: number): void };

/** What the limiter counts per policy; children are bound once per policy at setup. */
export interface BoundPolicyMetrics {
  readonly admitted: Inc;
  readonly rejected: Inc;
}

const NOOP: Inc = { inc: () => undefined };
export const NOOP_POLICY_METRICS: BoundPolicyMetrics = Object.freeze({ admitted: NOOP, rejected: NOOP });

/**
 * `rate_limit_requests_total{policy,result}`. Several limiters on one registry (a route guard and
 * the global middleware, or a re-created app in tests) share the metric instead of failing on
 * "already registered".
 */
export function requestsCounter(registry: Registry): Counter<'policy' | 'result'> {
  return sharedCounter(registry, {
    name: 'rate_limit_requests_total',
    help: 'Requests checked by a rate limit policy, by policy and result (admitted or rejected)',
    labelNames: ['policy', 'result'],
  });
}

export function bindPolicyMetrics(
  counter: Counter<'policy' | 'result'> | undefined,
  policy: string,
): BoundPolicyMetrics {
  if (counter === undefined) return NOOP_POLICY_METRICS;
  return {
    admitted: counter.labels({ policy, result: 'admitted' }),
    rejected: counter.labels({ policy, result: 'rejected' }),
  };
}

/** The two store metrics: fallback answers by mode, and whether the shared store is up. */
export interface StoreMetrics {
  fallback(mode: 'insurance' | 'open' | 'closed'): void;
  up(isUp: boolean): void;
}

export function storeMetrics(registry: Registry | undefined, store: string): StoreMetrics {
  if (registry === undefined) return { fallback: () => undefined, up: () => undefined };
  const fallbackTotal = sharedCounter(registry, {
    name: 'rate_limit_store_fallback_total',
    help: 'Rate limit store operations answered without the shared store (Redis down), by fallback mode',
    labelNames: ['store', 'mode'],
  });
  const upGauge = sharedGauge(registry, {
    name: 'rate_limit_store_up',
    help: '1 while the shared rate limit store answers, 0 while limits fall back (insurance, open or closed)',
    labelNames: ['store'],
  });
  const modes = {
    insurance: fallbackTotal.labels({ store, mode: 'insurance' }),
    open: fallbackTotal.labels({ store, mode: 'open' }),
    closed: fallbackTotal.labels({ store, mode: 'closed' }),
  };
  const gauge = upGauge.labels({ store });
  gauge.set(1);
  return {
    fallback: (mode) => modes[mode].inc(),
    up: (isUp) => gauge.set(isUp ? 1 : 0),
  };
}
