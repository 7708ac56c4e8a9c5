import type { Middleware } from 'koa';
import type { HealthRegistry } from './health-registry.js';

/** `GET /healthz`: the process is alive and answering. */
export function livenessHandler(): Middleware {
  return function livenessHandlerMiddleware(ctx) {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  };
}

/** `GET /readyz`: 200 when ready for traffic, else 503; each check's status in the body. */
export function readinessHandler(registry: HealthRegistry): Middleware {
  return async function readinessHandlerMiddleware(ctx) {
    const report = await registry.readiness();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = report.status === 'ok' ? 200 : 503;
    ctx.body = report;
  };
}

export interface HealthRoutesOptions {
  registry: HealthRegistry;
  livePath?: string;
  readyPath?: string;
}

/**
 * Koa middleware answering `GET /healthz` and `GET /readyz` on a plain Koa app (the kernel
 * mounts the same handlers on its router). Other requests pass through untouched.
 *
 * @example
 * const health = new HealthRegistry();
 * health.add({ name: 'db', check: () => db.ping() });
 * health.setPhase('ready');
 * app.use(healthRoutes({ registry: health }));
 */
export function healthRoutes(options: HealthRoutesOptions): Middleware {
  const livePath = options.livePath ?? '/healthz';
  const readyPath = options.readyPath ?? '/readyz';
  const live = livenessHandler();
  const ready = readinessHandler(options.registry);
  return function healthRoutesMiddleware(ctx, next) {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      if (ctx.path === livePath) return live(ctx, next);
      if (ctx.path === readyPath) return ready(ctx, next);
    }
    return next();
  };
}
