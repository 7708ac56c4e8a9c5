import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import type { CoreFrame } from './core-middleware.js';

/** A Node request listener (what `http.createServer` takes), typed as Koa's `callback()`. */
export type RequestListener = ReturnType<Koa['callback']>;

/**
 * The kernel's request listener: Koa's `callback()` with the same context, middleware and
 * response, and two differences.
 * - One promise reaction ends the request: `frame` (a sending {@link CoreFrame}: the folded core
 *   built-ins, or none of them) settles the context, metrics, access log and error answer, sends
 *   (`respond`) and hands what escapes to `ctx.onerror`, all in one `then`. Koa chains
 *   `.then(respond).catch(onerror)`, and the core middleware added a third.
 * - No per-request `on-finished` listeners. Koa attaches four (response `finish`/`end`, socket
 *   `error`/`close`) and an AsyncResource to every request, only to pass socket errors to
 *   `ctx.onerror`; Node's server already handles those (`clientError`), and a streamed body's
 *   errors still reach `ctx.onerror` through `respond`'s pipeline.
 * `ctx.onerror` emits Koa's `error` event: the kernel listens to it from construction.
 */
export function requestListener(koa: Koa, middleware: Middleware[], frame: CoreFrame): RequestListener {
  const chain = compose(middleware) as (ctx: Context) => Promise<void>;
  return function handleRequest(req, res): Promise<void> {
    // Koa itself makes contexts for HTTP/2 requests too (its types say HTTP/1 only).
    const ctx = koa.createContext(req as IncomingMessage, res as ServerResponse);
    res.statusCode = 404;
    return frame(ctx, chain, ctx);
  };
}
