import type { Middleware, Next } from 'koa';
import { tenantFromHeader } from '../resolve/header.js';
import { tenantFromPrincipal } from '../resolve/principal.js';
import type { TenantResolver } from '../resolve/resolver.js';
import { type AnonymousRule, TenantDecider } from '../resolve/tenant-decider.js';
import { TenantRequest } from '../resolve/tenant-request.js';
import type { ResolvedTenant, TenantRegistry } from '../types.js';

declare module 'koa' {
  interface DefaultState {
    /** Set by `resolveTenant()` when the request has a tenant (also in core's request context). */
    tenant?: ResolvedTenant;
  }
}

export interface ResolveTenantOptions {
  /** Where tenants come from (`StaticTenantRegistry`, `MemoryTenantRegistry`, `CachedTenantRegistry`...). */
  registry: TenantRegistry;
  /**
   * The chain, in order: built-ins `tenantFromPrincipal()`, `tenantFromHeader()`,
   * `tenantFromSubdomain()`, `tenantFromDomain()`, `tenantFromPath()`, or `customTenantResolver()`.
   * Default: principal, then the `X-Tenant-Id` header.
   */
  resolvers?: readonly TenantResolver[];
  /** Hints without a trusted answer: `accept` (default; `verified: false`), `ignore`, or a function. */
  anonymous?: AnonymousRule;
  /** Ids must match it, else 400 `TENANT_INVALID`. Default `/^[a-z0-9][a-z0-9_-]{0,62}$/`. */
  idPattern?: RegExp;
  /** Answer suspended tenants 403 `TENANT_SUSPENDED` instead of the 404 unknown ones get. Default false. */
  revealSuspended?: boolean;
  /**
   * Reverse proxies in front of the app (core's `http.trustProxyHops`): only then is
   * `X-Forwarded-Host` read for the subdomain and domain resolvers. Default 0.
   */
  trustedProxyHops?: number;
}

/**
 * Koa middleware: resolves the request's tenant by the trust model of {@link TenantDecider} and
 * sets it with core's `RequestContext.setTenant` (so `currentTenant()` works anywhere below, across
 * awaits, timers and emitters) and on `ctx.state.tenant`. Requests naming no tenant pass without
 * one; route guards (`requireTenant()`) decide where a tenant is needed.
 *
 * Put it after `requestContext()` and authentication, so the principal's tenant is known.
 *
 * @example
 * app.use(requestContext());
 * app.use(errorBoundary());
 * app.use(authenticate({ accessTokens, optional: true }));
 * app.use(resolveTenant({
 *   registry: new StaticTenantRegistry([{ id: 'acme', name: 'Acme' }]),
 *   resolvers: [tenantFromPrincipal(), tenantFromHeader(), tenantFromSubdomain({ baseDomains: ['localhost'] })],
 * }));
 */
export function resolveTenant(options: ResolveTenantOptions): Middleware {
  const decider = new TenantDecider({
    registry: options.registry,
    resolvers: options.resolvers ?? defaultResolvers(),
    ...(options.anonymous === undefined ? {} : { anonymous: options.anonymous }),
    ...(options.idPattern === undefined ? {} : { idPattern: options.idPattern }),
    ...(options.revealSuspended === undefined ? {} : { revealSuspended: options.revealSuspended }),
  });
  const hops = options.trustedProxyHops ?? 0;
  // Not async: with synchronous resolvers and a registry that can `peek` (static, memory, a warm
  // cache) the tenant is decided without a promise or a closure per request.
  return function resolveTenantMiddleware(ctx, next) {
    const request = new TenantRequest(ctx, hops);
    const decided = decider.decide(request);
    if (decided instanceof Promise) return decided.then((tenant) => admit(request, tenant, next));
    return admit(request, decided, next);
  };
}

function admit(request: TenantRequest, tenant: ResolvedTenant | undefined, next: Next): Promise<void> {
  if (request.rewritePath !== undefined) request.ctx.path = request.rewritePath;
  if (tenant !== undefined) {
    request.context?.setTenant(tenant);
    request.ctx.state.tenant = tenant;
  }
  return next();
}

function defaultResolvers(): TenantResolver[] {
  return [tenantFromPrincipal(), tenantFromHeader()];
}
