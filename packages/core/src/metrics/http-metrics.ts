import type { Context, Middleware } from 'koa';
import { Gauge, type Registry } from 'prom-client';
import { FastHistogram, type LatencySeries } from './fast-histogram.js';

export interface HttpMetricsOptions {
  registry: Registry;
  /** Histogram buckets in seconds. */
  buckets?: number[];
  /** Label for requests that matched no route. Default `(unmatched)`. */
  unmatchedRoute?: string;
}

/** Suits APIs: 1 ms to 10 s. */
export const DEFAULT_HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The route label is the matched route's template (`/users/:id`), never the raw path: raw paths
 * make one series per id and blow up Prometheus' memory (cardinality).
 */
export function routeLabel(ctx: Context, unmatched: string): string {
  const route = (ctx as unknown as { _matchedRoute?: string | RegExp })._matchedRoute;
  return typeof route === 'string' ? route : route instanceof RegExp ? route.source : unmatched;
}

/**
 * Records `http_request_duration_seconds{method,route,status}` and `http_requests_in_flight`. The
 * series of each (route, method, status) is looked up once and cached in nested maps, so the hot
 * path is three Map lookups and a bucket search — no label object, no hashing, no string building.
 */
export class HttpMetrics {
  readonly #histogram: FastHistogram;
  /** Requests being handled; `http_requests_in_flight` reads it when scraped. */
  #inFlight = 0;
  readonly #unmatched: string;
  /** route → method → status → series */
  readonly #cache = new Map<string, Map<string, Map<number, LatencySeries>>>();

  constructor(options: HttpMetricsOptions) {
    this.#unmatched = options.unmatchedRoute ?? '(unmatched)';
    this.#histogram = FastHistogram.in(options.registry, {
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests in seconds, by route template, method and status',
      labels: ['method', 'route', 'status'],
      buckets: options.buckets ?? DEFAULT_HTTP_BUCKETS,
    });
    // A plain counter read at scrape time: prom-client's `inc()`/`dec()` validate and hash their
    // (empty) label set on every call, twice per request.
    const self = this;
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being handled now',
      registers: [options.registry],
      collect() {
        this.set(self.#inFlight);
      },
    });
  }

  started(): void {
    this.#inFlight += 1;
  }

  /**
   * Record a finished request; `start` is `process.hrtime.bigint()` at its start, `end` at its end
   * (read here when not given).
   */
  finished(ctx: Context, start: bigint, end: bigint = process.hrtime.bigint()): void {
    this.#inFlight -= 1;
    const route = routeLabel(ctx, this.#unmatched);
    // Node's fields, not Koa's delegating getters (megamorphic on the hot path).
    const method = ctx.req.method ?? 'GET';
    const status = ctx.res.statusCode;
    let byMethod = this.#cache.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#cache.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (series === undefined) {
      series = this.#histogram.series(method, route, String(status));
      byStatus.set(status, series);
    }
    this.#histogram.observe(series, Number(end - start) / 1e9);
  }
}

/**
 * Koa middleware recording `http_request_duration_seconds{method,route,status}` and
 * `http_requests_in_flight`.
 *
 * @example
 * const registry = createMetricsRegistry();
 * app.use(httpMetrics({ registry }));
 */
export function httpMetrics(options: HttpMetricsOptions): Middleware {
  const metrics = new HttpMetrics(options);
  return function httpMetricsMiddleware(ctx, next) {
    const start = process.hrtime.bigint();
    metrics.started();
    return next().then(
      () => metrics.finished(ctx, start),
      (err: unknown) => {
        // Below an error boundary this is rare (the boundary answers first); record as 500.
        ctx.status = 500;
        metrics.finished(ctx, start);
        throw err;
      },
    );
  };
}
