import type { Middleware } from 'koa';
import { CoreErrors } from '../errors.js';

interface MatchedLayer {
  methods: string[];
}

const IMPLEMENTED = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The last middleware after `router.routes()`: a request that reached it matched no route.
 * - the path matches routes of other methods → 405 `METHOD_NOT_ALLOWED` with `Allow`
 *   (RFC 9110 §15.5.6 requires the header), or 204 with `Allow` for `OPTIONS`;
 * - a method the router does not implement → 501 `METHOD_NOT_IMPLEMENTED`;
 * - otherwise → 404 `ROUTE_NOT_FOUND`.
 * A response that something below already produced (a body, or a status other than 404) passes.
 */
export function routeFallback(): Middleware {
  return function routeFallbackMiddleware(ctx, next) {
    return next().then(() => {
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
        if (!IMPLEMENTED.has(ctx.method))
          throw CoreErrors.METHOD_NOT_IMPLEMENTED(undefined, { headers: { Allow: allow } });
        throw CoreErrors.METHOD_NOT_ALLOWED(`${ctx.method} is not allowed here; allowed: ${allow}`, {
          headers: { Allow: allow },
        });
      }
      throw CoreErrors.ROUTE_NOT_FOUND(`No route matches ${ctx.method} ${ctx.path}`);
    });
  };
}
