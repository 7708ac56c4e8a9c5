import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import Router from '@koa/router';
import { createLogger, errorBoundary, requestContext } from '@koaforge/core';
import Koa, { type Middleware } from 'koa';

/**
 * Plain Koa with core's request context and error boundary, and a stand-in for tenant resolution:
 * `x-tenant` sets the tenant with `currentContext().setTenant`. Resolution itself (and its trust
 * rules) is tested in test/resolve and test/middleware; here only what happens once a tenant is set.
 */
export async function serve(limit: (app: Koa, router: Router) => void, servers: Server[]): Promise<string> {
  const app = new Koa();
  const router = new Router();
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  app.use(requestContext({ logger: createLogger({ destination: quiet }) }));
  app.use(errorBoundary());
  const setTenant: Middleware = (ctx, next) => {
    const id = ctx.get('x-tenant');
    if (id) ctx.state.requestContext!.setTenant({ id, source: 'test' });
    return next();
  };
  app.use(setTenant);
  limit(app, router);
  router.get('/hello', (ctx) => {
    ctx.body = { hello: 'world' };
  });
  app.use(router.routes());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

export async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
}
