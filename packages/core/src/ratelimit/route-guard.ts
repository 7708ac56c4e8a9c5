import type { Context, Middleware } from 'koa';
import { currentContext } from '../context/request-context.js';
import { RateLimiter, type RateLimiterOptions, RateLimiterToken } from './limiter.js';
import type { RateLimitPolicy } from './policy.js';
import { validatePolicy } from './validate-policy.js';

export interface RateLimitMiddlewareOptions extends RateLimiterOptions {
  /** Use this limiter. Default: the app's (`RateLimiterToken`) when there is one, else a new one with these options. */
  limiter?: RateLimiter;
}

/** The app limiter from the request's DI scope, if the kernel (or your own wiring) registered one. */
function appLimiter(ctx: Context): RateLimiter | undefined {
  const rc = ctx.state.requestContext ?? currentContext();
  if (rc === undefined) return undefined;
  try {
    return rc.container.resolveOptional(RateLimiterToken);
  } catch {
    // requestContext() was set up without a container: there is no app limiter.
    return undefined;
  }
}

/**
 * Rate-limit middleware, e.g. a guard on one route. In a koaforge app it uses the app's limiter
 * (so its store, Redis included, its metrics and trusted proxies); on plain Koa it makes its own
 * with `options` (memory store by default). The app limiter is looked up on the first request.
 *
 * @example
 * router.post('/login', rateLimit({ name: 'login', limit: 5, window: '1m' }), login);
 * app.use(rateLimit({ name: 'per-ip', limit: 100, window: '1m' }, { trustedProxyHops: 1 }));
 */
export function rateLimit(
  policy: RateLimitPolicy | string | ReadonlyArray<RateLimitPolicy | string>,
  options: RateLimitMiddlewareOptions = {},
): Middleware {
  const list: Array<RateLimitPolicy | string> = Array.isArray(policy)
    ? [...(policy as ReadonlyArray<RateLimitPolicy | string>)]
    : [policy as RateLimitPolicy | string];
  const { limiter, ...limiterOptions } = options;
  if (limiter !== undefined) return limiter.middleware(...list);
  for (const p of list) if (typeof p !== 'string') validatePolicy(p);
  let bound: Middleware | undefined;
  return function rateLimitGuard(ctx, next) {
    if (bound === undefined) bound = (appLimiter(ctx) ?? new RateLimiter(limiterOptions)).middleware(...list);
    return bound(ctx, next);
  };
}
