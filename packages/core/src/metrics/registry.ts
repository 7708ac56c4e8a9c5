import { collectDefaultMetrics, Registry } from 'prom-client';

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface MetricsRegistryOptions {
  /** Collect prom-client's default process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Prefix for default metric names. Default none. */
  prefix?: string;
  /** Labels added to every metric (e.g. `{ service: 'api' }`). */
  labels?: Record<string, string>;
}

/**
 * One registry per app: every plugin registers its metrics here, never in prom-client's global
 * registry, so two apps in one process (tests, mounted apps) do not collide.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics ?? true) {
    const prefix = options.prefix ?? '';
    collectDefaultMetrics({ register: registry, ...(prefix ? { prefix } : {}) });
    // prom-client names three gauges `*_total`, which Prometheus reserves for counters, so
    // `promtool check metrics` rejects them. The per-type gauges (`nodejs_active_handles{type}`
    // etc.) stay and sum to the same value.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(`${prefix}${name}`);
  }
  return registry;
}
