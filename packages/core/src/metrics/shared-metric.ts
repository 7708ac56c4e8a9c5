import { Counter, Gauge, type Registry } from 'prom-client';

/** The app's metrics registry (prom-client's `Registry`), as plugins receive it. */
export type MetricsRegistry = Registry;

export interface SharedMetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/**
 * A counter on `registry`, or the one already registered under that name: several instances of a
 * plugin's service on one registry (a route guard beside a global middleware, re-created apps in
 * tests) share the metric instead of failing on "already registered". Plugins use this instead of
 * importing prom-client themselves, so every package writes to the same prom-client copy as core.
 *
 * @example
 * const rejected = sharedCounter(ctx.metrics, { name: 'uploads_rejected_total', help: '…', labelNames: ['reason'] });
 */
export function sharedCounter<L extends string = string>(
  registry: Registry,
  options: SharedMetricOptions<L>,
): Counter<L> {
  return (
    (registry.getSingleMetric(options.name) as Counter<L> | undefined) ??
    new Counter({ ...options, labelNames: [...(options.labelNames ?? [])], registers: [registry] })
  );
}

/** A gauge on `registry`, or the one already registered under that name (see {@link sharedCounter}). */
export function sharedGauge<L extends string = string>(registry: Registry, options: SharedMetricOptions<L>): Gauge<L> {
  return (
    (registry.getSingleMetric(options.name) as Gauge<L> | undefined) ??
    new Gauge({ ...options, labelNames: [...(options.labelNames ?? [])], registers: [registry] })
  );
}
