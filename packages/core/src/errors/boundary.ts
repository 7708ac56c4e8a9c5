import type { Context, Middleware } from 'koa';
import { currentContext } from '../context/request-context.js';
import type { Logger } from '../logging/index.js';
import { normalizeError, toProblem } from './problem.js';

const KEEP_ON_ERROR = /^(?:ratelimit|ratelimit-policy|x-ratelimit-.*|access-control-.*|vary)$/;

export interface ErrorBoundaryOptions {
  /** Where 5xx errors (with their stack) are logged. Default: the request context's logger. */
  logger?: Logger;
  /** Called for every error after it has been answered (metrics, error trackers). */
  onError?: (err: unknown, ctx: Context) => void;
}

/**
 * Answers one error the way {@link errorBoundary} does (problem+json, 5xx logged, socket cut when
 * the response has started). The kernel calls it from its core middleware.
 */
export function errorAnswer(options: ErrorBoundaryOptions = {}): (ctx: Context, thrown: unknown) => void {
  const { onError } = options;
  return (ctx, thrown) => {
    const err = normalizeError(thrown);
    const rc = currentContext();
    const requestId = rc?.requestId ?? ctx.state.requestId;
    if (err.status >= 500) {
      const log = options.logger ?? (rc ? rc.log : undefined);
      log?.error({ err: thrown, code: err.code, requestId }, 'request failed');
    }
    if (ctx.headerSent || !ctx.writable) {
      // The response has started: nothing can be answered; the socket is cut so the client
      // sees a failure instead of a silently truncated body.
      ctx.req.socket.destroy();
    } else {
      // Headers set by handlers before the throw (cookies, caching, content) must not leak into
      // an error answer; those describing the exchange itself (the request id's echo under
      // whatever name `requestContext` was given, rate limits, CORS) stay, or a browser could not
      // even read the error.
      for (const name of ctx.res.getHeaderNames()) {
        if (KEEP_ON_ERROR.test(name)) continue;
        if (requestId !== undefined && ctx.res.getHeader(name) === requestId) continue;
        ctx.res.removeHeader(name);
      }
      if (err.headers) ctx.set(err.headers);
      ctx.status = err.status;
      ctx.body = toProblem(err, requestId);
      ctx.type = 'application/problem+json';
    }
    onError?.(thrown, ctx);
  };
}

/**
 * Koa middleware answering every error thrown below it as RFC 9457 `application/problem+json`
 * with `code` and `requestId`. 5xx answers never carry the message, stack or cause; those go to
 * the log. Headers an error asks for (`Retry-After`, `Allow`, `WWW-Authenticate`) are set.
 *
 * @example
 * app.use(requestContext({ logger }));
 * app.use(errorBoundary());
 */
export function errorBoundary(options: ErrorBoundaryOptions = {}): Middleware {
  const answer = errorAnswer(options);
  // `next().then(undefined, …)` rather than an async function with try/await: one promise per
  // request instead of three, which matters while AsyncLocalStorage hooks every promise (Node 20).
  return function errorBoundaryMiddleware(ctx, next) {
    return next().then(undefined, (thrown: unknown) => answer(ctx, thrown));
  };
}
