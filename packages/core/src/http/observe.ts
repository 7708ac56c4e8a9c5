import type { Context, Middleware } from 'koa';
import type { HttpMetrics } from '../metrics/http-metrics.js';
import type { AccessLogWriter } from './access-log.js';

/** Metrics and access log around one request: `started` when it enters, `finished` once answered. */
export interface RequestObserver {
  /** Call when the request enters; `start` is `process.hrtime.bigint()` at that moment. */
  started(): void;
  /** `failed`: an error escaped everything below (recorded as 500). */
  finished(ctx: Context, start: bigint, failed: boolean): void;
}

/** The observer for whichever of metrics and access log are given. */
export function requestObserver(options: { metrics?: HttpMetrics; accessLog?: AccessLogWriter }): RequestObserver {
  const { metrics, accessLog } = options;
  return {
    started() {
      metrics?.started();
    },
    finished(ctx, start, failed) {
      // Below an error boundary a failure is rare (the boundary answers first); record it as 500.
      if (failed) ctx.status = 500;
      // One clock read for both.
      const end = process.hrtime.bigint();
      metrics?.finished(ctx, start, end);
      accessLog?.write(ctx, start, failed, end);
    },
  };
}

/**
 * Metrics and the access log in one middleware: one clock read at the start and one promise
 * continuation at the end instead of two of each (plain Koa apps can use `httpMetrics()` and
 * `accessLog()` separately; the kernel folds this into its core middleware, see `coreMiddleware`).
 */
export function observeRequests(options: { metrics?: HttpMetrics; accessLog?: AccessLogWriter }): Middleware {
  const observer = requestObserver(options);
  return function observeRequestsMiddleware(ctx, next) {
    const start = process.hrtime.bigint();
    observer.started();
    return next().then(
      () => observer.finished(ctx, start, false),
      (err: unknown) => {
        observer.finished(ctx, start, true);
        throw err;
      },
    );
  };
}
