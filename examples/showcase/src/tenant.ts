import type { App } from '@koaforge/core';
import { currentTenant, requireTenant } from '@koaforge/tenant';
import { SEED_TENANTS } from './seed.js';
import type { ShowcaseSettings } from './settings.js';

/**
 * The showcase's `tenant` config (shared/SHOWCASE.md "Conventions"): the tenant comes from the
 * principal; a request may also name it with `X-Tenant-Id` or the subdomain (`acme.localhost`),
 * and a name that disagrees with the principal's tenant is 403 `TENANT_MISMATCH`, an unknown one
 * 404 `TENANT_NOT_FOUND`. Tenants live in memory, or in Redis with `REDIS_URL` (seeded there once,
 * shared by every process, changes invalidated through the event bus).
 */
export function showcaseTenantConfig(settings: ShowcaseSettings): Record<string, unknown> {
  return {
    header: 'X-Tenant-Id',
    subdomain: { baseDomains: ['localhost'] },
    registry: { kind: settings.redisUrl ? 'redis' : 'memory' },
    tenants: settings.seed ? SEED_TENANTS.map((t) => ({ id: t.id, name: t.name })) : [],
  };
}

/** `GET /api/v1/tenant`: the request's tenant as resolved (id, name, source, verified). */
export function mountTenantRoutes(app: App): void {
  app.router.get('/api/v1/tenant', requireTenant(), (ctx) => {
    const tenant = currentTenant();
    ctx.body = { id: tenant?.id, name: tenant?.name, source: tenant?.source, verified: tenant?.verified };
  });
}
