import type { Context, Middleware } from 'koa';
import type { Logger } from '../logging/index.js';
import { routeLabel } from '../metrics/http-metrics.js';

export interface AccessLogOptions {
  logger: Logger;
  /** Skip some requests (e.g. health probes). Default: `/healthz`, `/readyz`, `/metrics`. */
  skip?: (ctx: Context) => boolean;
}

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const defaultSkip = (ctx: Context): boolean => QUIET_PATHS.has(ctx.path);

/**
 * One line per request, written when the response is done: method, path (the query is left out:
 * it often carries tokens and personal data), route template, status, duration, request id.
 * Written through the base logger with `requestId` as a field rather than a per-request child
 * logger, which would cost an allocation and a bindings serialisation per request.
 */
export function accessLog(options: AccessLogOptions): Middleware {
  const { logger } = options;
  const skip = options.skip ?? defaultSkip;
  const write = (ctx: Context, start: bigint, err?: unknown): void => {
    if (skip(ctx)) return;
    const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
    const status = err === undefined ? ctx.status : 500;
    const line = {
      requestId: ctx.state.requestId,
      method: ctx.method,
      path: ctx.path,
      route: routeLabel(ctx, '(unmatched)'),
      status,
      durationMs: Math.round(durationMs * 1000) / 1000,
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  };
  return function accessLogMiddleware(ctx, next) {
    const start = process.hrtime.bigint();
    return next().then(
      () => write(ctx, start),
      (err: unknown) => {
        write(ctx, start, err);
        throw err;
      },
    );
  };
}
