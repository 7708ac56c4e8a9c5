import { Counter, Gauge, type Registry } from 'prom-client';

type Inc = { inc(value?: number): void };

/** What the limiter counts per policy; children are bound once per policy at setup. */
export interface BoundPolicyMetrics {
  readonly admitted: Inc;
  readonly rejected: Inc;
}

const NOOP: Inc = { inc: () => undefined };
export const NOOP_POLICY_METRICS: BoundPolicyMetrics = Object.freeze({ admitted: NOOP, rejected: NOOP });

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * `rate_limit_requests_total{policy,result}`. Several limiters on one registry (a route guard and
 * the global middleware, or a re-created app in tests) share the metric instead of failing on
 * "already registered".
 */
export function requestsCounter(registry: Registry): Counter<'policy' | 'result'> {
  return (
    existing<Counter<'policy' | 'result'>>(registry, 'rate_limit_requests_total') ??
    new Counter({
      name: 'rate_limit_requests_total',
      help: 'Requests checked by a rate limit policy, by policy and result (admitted or rejected)',
      labelNames: ['policy', 'result'],
      registers: [registry],
    })
  );
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
  const fallbackTotal =
    existing<Counter<'store' | 'mode'>>(registry, 'rate_limit_store_fallback_total') ??
    new Counter({
      name: 'rate_limit_store_fallback_total',
      help: 'Rate limit store operations answered without the shared store (Redis down), by fallback mode',
      labelNames: ['store', 'mode'],
      registers: [registry],
    });
  const upGauge =
    existing<Gauge<'store'>>(registry, 'rate_limit_store_up') ??
    new Gauge({
      name: 'rate_limit_store_up',
      help: '1 while the shared rate limit store answers, 0 while limits fall back (insurance, open or closed)',
      labelNames: ['store'],
      registers: [registry],
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
