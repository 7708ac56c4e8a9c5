import { currentContext, type RequestContext } from '@koaforge/core';
import type { Context, Middleware } from 'koa';
import { TenantErrors } from '../errors.js';
import type { QuotaDecision } from './decision.js';
import { limitItem, policyItem, quotaExceededError } from './quota-error.js';
import { type TenantQuotas, TenantQuotasToken } from './tenant-quotas.js';

export interface TenantQuotaOptions {
  /** The quota to count. Default `requests`. */
  quota?: string;
  /** Use these quotas. Default: the app's (`TenantQuotasToken` in the request's DI scope). */
  quotas?: TenantQuotas;
  /** Units one request takes: a whole number ≥ 0, or a function of the request. Default 1. */
  cost?: number | ((ctx: Context) => number);
  /**
   * A request without a tenant: `skip` (not counted; default for the global middleware, so
   * health checks and sign-up pages pass) or `reject` (400 `TENANT_REQUIRED`; default of `requireQuota`).
   */
  missingTenant?: 'skip' | 'reject';
  /** `RateLimit-Policy` / `RateLimit` on admitted answers of period quotas too. Default true. */
  headers?: boolean;
  /**
   * When the store cannot answer (Redis down): `closed` answers 503 `REDIS_UNAVAILABLE` (default:
   * a quota is a commitment, not a hint); `open` admits the request uncounted.
   */
  onStoreDown?: 'closed' | 'open';
}

function requestContextOf(ctx: Context): RequestContext | undefined {
  return (ctx.state.requestContext as RequestContext | undefined) ?? currentContext();
}

function appQuotas(rc: RequestContext | undefined): TenantQuotas | undefined {
  if (rc === undefined) return undefined;
  try {
    return rc.container.resolveOptional(TenantQuotasToken);
  } catch {
    // requestContext() was set up without a container: there are no app quotas.
    return undefined;
  }
}

/** Append an item to a Structured Field List already on the response (core's limiter's), or set it. */
function appendListField(ctx: Context, field: string, item: string): void {
  const prev = ctx.res.getHeader(field);
  ctx.res.setHeader(field, prev === undefined ? item : `${String(prev)}, ${item}`);
}

function setHeaders(ctx: Context, decision: QuotaDecision): void {
  const policy = policyItem(decision);
  const limit = limitItem(decision);
  if (policy === undefined || limit === undefined) return;
  appendListField(ctx, 'RateLimit-Policy', policy);
  appendListField(ctx, 'RateLimit', limit);
}

function isStoreDown(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'REDIS_UNAVAILABLE';
}

/** The shared body of `tenantQuota` and `requireQuota`. */
export function quotaMiddleware(
  options: TenantQuotaOptions,
  defaults: { missingTenant: 'skip' | 'reject' },
): Middleware {
  const quota = options.quota ?? 'requests';
  const cost = options.cost ?? 1;
  const missingTenant = options.missingTenant ?? defaults.missingTenant;
  const headers = options.headers ?? true;
  const failOpen = options.onStoreDown === 'open';
  let quotas = options.quotas;
  return async function tenantQuotaMiddleware(ctx, next) {
    const rc = requestContextOf(ctx);
    const tenant = rc?.tenant;
    if (tenant === undefined) {
      if (missingTenant === 'reject') throw TenantErrors.TENANT_REQUIRED();
      return next();
    }
    quotas ??= appQuotas(rc);
    if (quotas === undefined) {
      throw new TypeError('tenantQuota() needs `quotas`, or TenantQuotasToken registered in the app container');
    }
    const amount = typeof cost === 'function' ? cost(ctx) : cost;
    let decision: QuotaDecision;
    try {
      decision =
        quotas.kindOf(quota) === 'gauge'
          ? await quotas.check(quota, amount, tenant.id)
          : await quotas.reserve(quota, amount, tenant.id);
    } catch (err) {
      if (failOpen && isStoreDown(err)) return next();
      throw err;
    }
    if (!decision.admitted) throw quotaExceededError(decision);
    if (headers) setHeaders(ctx, decision);
    return next();
  };
}

/**
 * Koa middleware counting every request of a tenant against a period quota (phase `limit`, after
 * the tenant is resolved). Over the quota: 429 `TENANT_QUOTA_EXCEEDED` with `Retry-After`, the
 * `RateLimit` fields and the quota's name in the problem details. Requests without a tenant are
 * not counted.
 *
 * @example
 * app.use(tenantQuota({ quota: 'requests', quotas }));
 * // kernel: ctx.use(tenantQuota({ quota: 'requests' }), { phase: 'limit' })
 */
export function tenantQuota(options: TenantQuotaOptions = {}): Middleware {
  return quotaMiddleware(options, { missingTenant: 'skip' });
}

/**
 * Route guard for a quota: a period quota counts the request (`cost` units); a gauge checks that
 * `cost` more units would fit (e.g. an upload's `Content-Length` against `storageBytes`) without
 * reserving them. Requests without a tenant are 400 `TENANT_REQUIRED`.
 *
 * @example
 * router.post('/exports', requireQuota('exports'), startExport);
 * router.put('/files/:name', requireQuota('storageBytes', { cost: (ctx) => Number(ctx.get('content-length')) || 0 }), upload);
 */
export function requireQuota(quota: string, options: Omit<TenantQuotaOptions, 'quota'> = {}): Middleware {
  return quotaMiddleware({ ...options, quota }, { missingTenant: 'reject' });
}
