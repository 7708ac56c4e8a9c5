import { currentContext } from '@koaforge/core';
import type { Context, Middleware, Next } from 'koa';
import { TenantErrors } from '../errors.js';

export interface RequireTenantOptions {
  /**
   * Demand a tenant an authenticated source decided (`verified: true`): a tenant named only by
   * hints on an anonymous request answers 400 `TENANT_REQUIRED` too. Default false.
   */
  verified?: boolean;
}

const tenantOf = (ctx: Context) => currentContext()?.tenant ?? ctx.state.tenant;

/**
 * Route guard: 400 `TENANT_REQUIRED` unless the request has a tenant (and, with `verified`, one
 * the principal decided).
 *
 * @example
 * router.get('/projects', requireTenant(), listProjects);
 * router.post('/billing', requireTenant({ verified: true }), updateBilling);
 */
export function requireTenant(options: RequireTenantOptions = {}): Middleware {
  const verified = options.verified ?? false;
  return function requireTenantGuard(ctx: Context, next: Next) {
    const tenant = tenantOf(ctx);
    if (tenant === undefined || (verified && tenant.verified !== true)) throw TenantErrors.TENANT_REQUIRED();
    return next();
  };
}

/**
 * Route guard for routes outside any tenant (sign-up, platform admin): 400 `TENANT_NOT_ALLOWED`
 * when the request has one.
 *
 * @example
 * router.post('/signup', forbidTenant(), signUp);
 */
export function forbidTenant(): Middleware {
  return function forbidTenantGuard(ctx: Context, next: Next) {
    if (tenantOf(ctx) !== undefined) throw TenantErrors.TENANT_NOT_ALLOWED();
    return next();
  };
}
