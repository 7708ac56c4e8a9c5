import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import { respond } from '../http/respond.js';
import type { CoreFrame } from './core-middleware.js';

/** A Node request listener (what `http.createServer` takes), typed as Koa's `callback()`. */
export type RequestListener = ReturnType<Koa['callback']>;

/**
 * The kernel's request listener: Koa's `callback()` with the same context, middleware and
 * response (`respond`), and two differences.
 * - One promise reaction ends the request: with the core frame, settling the context, metrics,
 *   access log, error answer AND sending run in it; without, sending and `ctx.onerror` share one
 *   `then`. Koa chains `.then(respond).catch(onerror)`, and the core frame added a third.
 * - No per-request `on-finished` listeners. Koa attaches four (response `finish`/`end`, socket
 *   `error`/`close`) and an AsyncResource to every request, only to pass socket errors to
 *   `ctx.onerror`; Node's server already handles those (`clientError`), and a streamed body's
 *   errors still reach `ctx.onerror` through `respond`'s pipeline.
 */
export function requestListener(koa: Koa, middleware: Middleware[], frame?: CoreFrame): RequestListener {
  const chain = compose(middleware) as (ctx: Context) => Promise<void>;
  // As Koa's callback(): an app with no 'error' listener logs through its own `onerror`.
  if (koa.listenerCount('error') === 0) koa.on('error', koa.onerror.bind(koa));

  function sent(ctx: Context): void {
    try {
      respond(ctx);
    } catch (err) {
      ctx.onerror(err as Error);
    }
  }

  return function handleRequest(req, res): Promise<void> {
    // Koa itself makes contexts for HTTP/2 requests too (its types say HTTP/1 only).
    const ctx = koa.createContext(req as IncomingMessage, res as ServerResponse);
    res.statusCode = 404;
    if (frame !== undefined) return frame(ctx, chain, ctx);
    return chain(ctx).then(
      () => sent(ctx),
      (err: unknown) => ctx.onerror(err as Error),
    );
  };
}
