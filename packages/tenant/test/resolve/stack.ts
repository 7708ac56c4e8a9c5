import { type App, createApp, currentContext, definePlugin, type Principal } from '@koaforge/core';
import { type RawAnswer, rawRequest } from '@koaforge/core/testing';
import type { Middleware } from 'koa';
import { currentTenant } from '../../src/context.js';
import { forbidTenant, requireTenant } from '../../src/middleware/guards.js';
import { type TenantPluginOptions, tenantPlugin } from '../../src/plugin.js';

/**
 * A stand-in authenticator for these tests: `X-Test-Principal: <type>:<id>:<tenantId>` becomes the
 * request's principal (`user:alice:acme`, `apiKey:key-1:acme`, `service:cron:`). The real auth
 * package (JWTs, API keys bound to a tenant) is exercised with tenant in the showcase tests; here
 * only the contract matters: a `Principal` with `tenantId` in core's request context.
 */
export const testAuthenticate: Middleware = (ctx, next) => {
  const header = ctx.get('x-test-principal');
  if (header !== '') {
    const [type = 'user', id = 'anon', tenantId = '', claim] = header.split(':');
    const principal: Principal = {
      id,
      type,
      ...(tenantId === '' ? {} : { tenantId }),
      ...(claim === undefined ? {} : { claims: { org: claim } }),
    };
    currentContext()?.setPrincipal(principal);
  }
  return next();
};

const testAuthPlugin = definePlugin({
  name: 'test-auth',
  setup(ctx) {
    ctx.use(testAuthenticate, { phase: 'authenticate' });
  },
});

export const TENANTS = [
  { id: 'acme', name: 'Acme', domains: ['app.acme.com'] },
  { id: 'globex', name: 'Globex' },
  { id: 'initech', name: 'Initech', status: 'suspended' as const },
];

export type Answer = RawAnswer;

/** One GET with full control over `Host` (fetch would not let us set it). */
export function call(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return rawRequest(base, path, { headers });
}

/** Routes the trust tests call: who the tenant is, and the guards. */
function mountRoutes(app: App): void {
  const whoami = (ctx: Parameters<Middleware>[0]) => {
    ctx.body = { tenant: currentTenant() ?? null, state: ctx.state.tenant ?? null, path: ctx.path };
  };
  app.router.get('/whoami', whoami);
  app.router.get('/needs-tenant', requireTenant(), whoami);
  app.router.get('/needs-verified', requireTenant({ verified: true }), whoami);
  app.router.get('/no-tenant', forbidTenant(), whoami);
}

export interface BootOptions {
  tenant?: Record<string, unknown>;
  http?: Record<string, unknown>;
  plugin?: TenantPluginOptions;
  /** More config sections (e.g. `redis`). */
  config?: Record<string, unknown>;
  /** Register more plugins before `tenantPlugin` (e.g. `redisPlugin`, `eventBusPlugin`). */
  extra?: (app: App) => void;
}

/** A kernel app with the test authenticator and `tenantPlugin`, listening on a free loopback port. */
export async function boot(options: BootOptions = {}): Promise<{ app: App; base: string }> {
  const overrides: Record<string, unknown> = {
    tenant: { tenants: TENANTS, subdomain: { baseDomains: ['localhost', 'example.com'] }, ...options.tenant },
    log: { accessLog: false },
    ...(options.http === undefined ? {} : { http: options.http }),
    ...options.config,
  };
  const app = createApp({ config: { file: false, env: {}, overrides }, logger: { level: 'silent' } });
  options.extra?.(app);
  app.register(testAuthPlugin);
  app.register(tenantPlugin, options.plugin);
  mountRoutes(app);
  const { port } = await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}` };
}
