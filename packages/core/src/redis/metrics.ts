import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram, type LatencySeries } from '../metrics/fast-histogram.js';

/** Redis round trips on loopback are ~50 µs; a slow Lua script or a stalled link shows in the top buckets. */
export const REDIS_COMMAND_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Distinct command names kept as their own label value. Redis commands are a closed set (~240), so
 * this only bites a client that sends made-up names through `call()`; the rest share `other`.
 */
const MAX_COMMAND_LABELS = 300;

export type RedisRole = 'client' | 'subscriber';

interface CommandSeries {
  latency: LatencySeries;
  errors: { inc(): void };
}

/** The Redis metrics of one registry. Connections sharing a registry share the series. */
export class RedisMetrics {
  readonly #duration: FastHistogram;
  readonly #errors: Counter<'command'>;
  readonly #up: Gauge<'role'>;
  readonly #reconnections: Counter<'role'>;
  /** Pre-bound children per raw command name: the hot path is one Map lookup. */
  readonly #series = new Map<string, CommandSeries>();
  #other: CommandSeries | undefined;

  constructor(registry: Registry) {
    this.#duration = FastHistogram.in(registry, {
      name: 'redis_command_duration_seconds',
      help: 'Redis command latency as the caller sees it (queueing included), by command',
      labels: ['command'],
      buckets: REDIS_COMMAND_BUCKETS,
    });
    this.#errors = reuse(
      registry,
      'redis_command_errors_total',
      () =>
        new Counter({
          name: 'redis_command_errors_total',
          help: 'Redis commands that failed (reply errors, timeouts, connection loss, rejected while down), by command',
          labelNames: ['command'],
          registers: [registry],
        }),
    );
    this.#up = reuse(
      registry,
      'redis_connection_up',
      () =>
        new Gauge({
          name: 'redis_connection_up',
          help: '1 while the Redis connection is ready, else 0, by role (client, subscriber)',
          labelNames: ['role'],
          registers: [registry],
        }),
    );
    this.#reconnections = reuse(
      registry,
      'redis_reconnections_total',
      () =>
        new Counter({
          name: 'redis_reconnections_total',
          help: 'Times a lost Redis connection was established again, by role',
          labelNames: ['role'],
          registers: [registry],
        }),
    );
  }

  /** Start timing a command; it is observed when its promise settles. */
  track(name: string, promise: Promise<unknown>): void {
    const series = this.#series.get(name) ?? this.#seriesFor(name);
    const started = performance.now();
    const histogram = this.#duration;
    promise.then(
      () => histogram.observe(series.latency, (performance.now() - started) / 1000),
      () => {
        histogram.observe(series.latency, (performance.now() - started) / 1000);
        series.errors.inc();
      },
    );
  }

  setUp(role: RedisRole, up: boolean): void {
    this.#up.set({ role }, up ? 1 : 0);
  }

  reconnected(role: RedisRole): void {
    this.#reconnections.inc({ role });
  }

  #seriesFor(name: string): CommandSeries {
    if (this.#series.size >= MAX_COMMAND_LABELS) {
      this.#other ??= this.#bind('other');
      return this.#other;
    }
    const series = this.#bind(name.toLowerCase());
    this.#series.set(name, series);
    return series;
  }

  #bind(label: string): CommandSeries {
    const errors = this.#errors.labels(label);
    // Show the error series at 0 from the first command on, so error-ratio queries work before the first error.
    errors.inc(0);
    return { latency: this.#duration.series(label), errors };
  }
}

function reuse<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}
