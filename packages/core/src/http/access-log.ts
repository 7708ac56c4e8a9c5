import type { Context, Middleware } from 'koa';
import { fastLineWriter, type Logger, maskText } from '../logging/index.js';
import { routeLabel } from '../metrics/http-metrics.js';

export interface AccessLogOptions {
  logger: Logger;
  /** Skip some requests (e.g. health probes). Default: `/healthz`, `/readyz`, `/metrics`. */
  skip?: (ctx: Context) => boolean;
}

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const defaultSkip = (ctx: Context): boolean => QUIET_PATHS.has(ctx.path);

/**
 * One line per request, written when the response is done: request id, method, path (the query
 * is left out: it often carries tokens and personal data; the path itself is masked), route
 * template, status, duration. With a logger from `createLogger` the line is written directly in
 * pino's format (≈ 0.5 µs instead of ≈ 4–5 µs through the generic path: see `fastLineWriter`).
 * 5xx lines are `error`; 4xx are the client's business and stay `info`.
 */
export function accessLog(options: AccessLogOptions): Middleware {
  const writer = new AccessLogWriter(options);
  return function accessLogMiddleware(ctx, next) {
    const start = process.hrtime.bigint();
    return next().then(
      () => writer.write(ctx, start, false),
      (err: unknown) => {
        writer.write(ctx, start, true);
        throw err;
      },
    );
  };
}

/** Writes access-log lines; shared by `accessLog()` and the kernel's combined observer. */
export class AccessLogWriter {
  readonly #logger: Logger;
  readonly #skip: (ctx: Context) => boolean;
  readonly #fast: ReturnType<typeof fastLineWriter>;

  constructor(options: AccessLogOptions) {
    this.#logger = options.logger;
    this.#skip = options.skip ?? defaultSkip;
    this.#fast = fastLineWriter(options.logger);
  }

  /** `start` is `process.hrtime.bigint()` at the request's start; `failed`: an error escaped. */
  write(ctx: Context, start: bigint, failed: boolean): void {
    if (this.#skip(ctx)) return;
    const durationMs = Math.round(Number(process.hrtime.bigint() - start) / 1000) / 1000;
    const status = failed ? 500 : ctx.status;
    const requestId = ctx.state.requestId;
    const path = maskText(ctx.path);
    const route = routeLabel(ctx, '(unmatched)');
    if (this.#fast !== undefined) {
      // Every string goes through JSON.stringify: paths and routes may hold quotes or control bytes.
      const fields = `"requestId":${JSON.stringify(requestId ?? null)},"method":${JSON.stringify(ctx.method)},"path":${JSON.stringify(path)},"route":${JSON.stringify(route)},"status":${status},"durationMs":${durationMs}`;
      this.#fast(status >= 500 ? 50 : 30, fields, 'request');
      return;
    }
    const line = { requestId, method: ctx.method, path, route, status, durationMs };
    if (status >= 500) this.#logger.error(line, 'request');
    else this.#logger.info(line, 'request');
  }
}
