import type { Context, Middleware } from 'koa';
import { CoreErrors } from '../errors.js';

interface MatchedLayer {
  methods: string[];
}

const IMPLEMENTED = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Answer a request that no route handled:
 * - the path matches routes of other methods → 405 `METHOD_NOT_ALLOWED` with `Allow`
 *   (RFC 9110 §15.5.6 requires the header), or 204 with `Allow` for `OPTIONS`;
 * - a method the router does not implement → 501 `METHOD_NOT_IMPLEMENTED`;
 * - otherwise → 404 `ROUTE_NOT_FOUND`.
 * A response something already produced (a body, or a status other than 404) is left alone.
 */
function answerUnrouted(ctx: Context): void {
  if (ctx.body !== undefined && ctx.body !== null) return;
  if (ctx.status !== 404) return;
  const matched = (ctx as unknown as { matched?: MatchedLayer[] }).matched;
  const allowed = new Set<string>();
  if (matched) for (const layer of matched) for (const m of layer.methods) allowed.add(m);
  if (allowed.size > 0) {
    const allow = [...allowed].join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', allow);
      return;
    }
    if (!IMPLEMENTED.has(ctx.method)) throw CoreErrors.METHOD_NOT_IMPLEMENTED(undefined, { headers: { Allow: allow } });
    throw CoreErrors.METHOD_NOT_ALLOWED(`${ctx.method} is not allowed here; allowed: ${allow}`, {
      headers: { Allow: allow },
    });
  }
  throw CoreErrors.ROUTE_NOT_FOUND(`No route matches ${ctx.method} ${ctx.path}`);
}

/**
 * The terminal middleware, placed AFTER `router.routes()`: the router only calls `next()` when no
 * route handled the request, so a routed request never reaches this and pays nothing for it. This
 * is what the kernel uses.
 *
 * @example
 * app.use(router.routes());
 * app.use(unroutedAnswer());
 */
export function unroutedAnswer(): Middleware {
  return function unroutedAnswerMiddleware(ctx, next) {
    answerUnrouted(ctx);
    return next();
  };
}

/**
 * The wrapping form, placed BEFORE `router.routes()` (or anything that may leave a request
 * unanswered): it answers 404 / 405 / 501 after the rest of the chain ran. Costs one promise per
 * request; prefer `unroutedAnswer()` after the router when you control the order.
 */
export function routeFallback(): Middleware {
  return function routeFallbackMiddleware(ctx, next) {
    return next().then(() => answerUnrouted(ctx));
  };
}
