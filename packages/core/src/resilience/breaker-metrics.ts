import type { Counter, Gauge, Registry } from 'prom-client';
import { FastHistogram } from '../metrics/fast-histogram.js';
import { sharedCounter, sharedGauge } from '../metrics/shared-metric.js';

/** Every breaker event counted in `circuit_breaker_events_total{event}`. */
export const BREAKER_EVENTS = [
  'success',
  'failure',
  'timeout',
  'reject',
  'fallback',
  'open',
  'close',
  'halfOpen',
] as const;
export type BreakerEvent = (typeof BREAKER_EVENTS)[number];

/** `circuit_breaker_state` values. */
export const BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

export const DEFAULT_BREAKER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Label = 'breaker' | 'event';

/** The three breaker metrics on one prom-client registry, with label children bound per breaker. */
export class BreakerMetrics {
  readonly state: Gauge<'breaker'>;
  readonly events: Counter<Label>;
  /** Our FastHistogram: prom-client's `observe` hashes the labels on every call, even when bound. */
  readonly duration: FastHistogram;

  constructor(registry: Registry, buckets: readonly number[] = DEFAULT_BREAKER_BUCKETS) {
    // Two registries of breakers on one metrics registry (or a re-created one in tests) share the
    // metrics instead of failing on "already registered".
    this.state = sharedGauge(registry, {
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'],
    });
    this.events = sharedCounter(registry, {
      name: 'circuit_breaker_events_total',
      help: 'Circuit breaker events by breaker and event',
      labelNames: ['breaker', 'event'],
    });
    this.duration = FastHistogram.in(registry, {
      name: 'circuit_breaker_duration_seconds',
      help: 'Duration of calls through a circuit breaker (successes, failures and timeouts)',
      labels: ['breaker'],
      buckets,
    });
  }

  /** Label children for one breaker, bound once so each event costs one increment. */
  bind(breaker: string): BoundBreakerMetrics {
    const events = {} as Record<BreakerEvent, { inc(): void }>;
    for (const event of BREAKER_EVENTS) {
      const child = this.events.labels(breaker, event);
      // Export every series from the start: a dashboard sees `open 0` rather than no series.
      child.inc(0);
      events[event] = child;
    }
    const state = this.state.labels(breaker);
    state.set(BREAKER_STATE.closed);
    const histogram = this.duration;
    const series = histogram.series(breaker);
    return { events, state, duration: { observe: (seconds: number) => histogram.observe(series, seconds) } };
  }
}

export interface BoundBreakerMetrics {
  readonly events: Readonly<Record<BreakerEvent, { inc(): void }>>;
  readonly state: { set(value: number): void };
  readonly duration: { observe(seconds: number): void };
}
