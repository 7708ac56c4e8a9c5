import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';

/**
 * A Koa handler answering the registry in Prometheus text format.
 * @example
 * router.get('/metrics', metricsHandler(registry));
 */
export function metricsHandler(registry: Registry): Middleware {
  return async function metricsHandlerMiddleware(ctx) {
    ctx.body = await registry.metrics();
    ctx.type = registry.contentType;
    ctx.set('Cache-Control', 'no-store');
  };
}
