import type { Middleware } from 'koa';
import type { HttpMetrics } from '../metrics/http-metrics.js';
import type { AccessLogWriter } from './access-log.js';

/**
 * Metrics and the access log in one middleware: one clock read at the start and one promise
 * continuation at the end instead of two of each (the kernel's `observe` phase uses this; plain
 * Koa apps can use `httpMetrics()` and `accessLog()` separately).
 */
export function observeRequests(options: { metrics?: HttpMetrics; accessLog?: AccessLogWriter }): Middleware {
  const { metrics, accessLog } = options;
  return function observeRequestsMiddleware(ctx, next) {
    const start = process.hrtime.bigint();
    metrics?.started();
    return next().then(
      () => {
        metrics?.finished(ctx, start);
        accessLog?.write(ctx, start, false);
      },
      (err: unknown) => {
        // Below an error boundary this is rare (the boundary answers first); record as 500.
        ctx.status = 500;
        metrics?.finished(ctx, start);
        accessLog?.write(ctx, start, true);
        throw err;
      },
    );
  };
}
