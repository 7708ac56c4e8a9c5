import { definePlugin, EventBusToken, httpConfigSchema, RedisConnectionToken } from '@koaforge/core';
import type { Context } from 'koa';
import { tenantConfigSchema } from './config.js';
import { resolveTenant } from './middleware/resolve-tenant.js';
import { TenantQuotasToken } from './quota/tenant-quotas.js';
import type { TenantResolver } from './resolve/resolver.js';
import { TenantServicesToken } from './services/tenant-services.js';
import { TenantSettingsToken } from './settings/tenant-settings.js';
import type { TenantRegistry } from './types.js';
import { buildIsolation } from './wiring/isolation.js';
import { buildRegistry, type TenantLoader } from './wiring/registry.js';
import { buildResolvers } from './wiring/resolvers.js';
import { TenantRegistryToken } from './wiring/tokens.js';

/** Code-side options of {@link tenantPlugin}: what config cannot say. */
export interface TenantPluginOptions {
  /** A registry of your own (used as is; you close it). Replaces `tenant.registry.kind`. */
  registry?: TenantRegistry;
  /**
   * Your database lookups behind a `CachedTenantRegistry` (local TTL cache, the app's Redis as a
   * shared level and its event bus for invalidation when registered). Replaces `tenant.registry.kind`.
   */
  loader?: TenantLoader;
  /** The resolution chain, replacing the one built from config. */
  resolvers?: readonly TenantResolver[];
  /** Decide per request whether hints alone may name the tenant; replaces `tenant.anonymous`. */
  anonymous?: (ctx: Context) => boolean;
}

/**
 * Multi-tenancy on the kernel: builds the tenant registry (config list, memory, Redis, or your
 * loader), registers it under `TenantRegistryToken`, and resolves each request's tenant in phase
 * `tenant` (after `authenticate`, so the principal's tenant decides and hints must agree with it).
 * Registers per-tenant services (`TenantServicesToken`), settings (`TenantSettingsToken`) and
 * quotas (`TenantQuotasToken`, counters in Redis when `redisPlugin` is registered), and counts
 * `tenant.requestQuota` on every request with a tenant in phase `limit`.
 * Reverse proxies are trusted for `X-Forwarded-Host` per core's `http.trustProxyHops`.
 *
 * @example
 * app.register(redisPlugin).register(eventBusPlugin); // optional: tenants in Redis, shared invalidation
 * app.register(authPlugin);
 * app.register(tenantPlugin, { loader: { load: (id) => db.tenants.find(id) } });
 * app.router.get('/projects', requireTenant(), (ctx) => { ctx.body = projects.of(currentTenant()!.id); });
 */
export const tenantPlugin = definePlugin<TenantPluginOptions | undefined, typeof tenantConfigSchema>({
  name: 'tenant',
  optionalDependsOn: ['redis', 'events'],
  configSchema: tenantConfigSchema,
  setup(ctx, options = {}) {
    const { container, config } = ctx;
    const trustedProxyHops = ctx.appConfig.section('http', httpConfigSchema).trustProxyHops;
    const built = buildRegistry({
      config,
      connection: container.resolveOptional(RedisConnectionToken),
      bus: container.resolveOptional(EventBusToken),
      log: ctx.log,
      registry: options.registry,
      loader: options.loader,
    });
    const { registry } = built;
    container.register(TenantRegistryToken, { useValue: registry });

    ctx.use(
      resolveTenant({
        registry,
        resolvers: options.resolvers ?? buildResolvers(config, registry),
        anonymous: options.anonymous ?? config.anonymous,
        idPattern: new RegExp(config.idPattern),
        revealSuspended: config.revealSuspended,
        trustedProxyHops,
      }),
      { phase: 'tenant' },
    );

    const isolation = buildIsolation({
      config,
      registry,
      container,
      appConfig: ctx.appConfig,
      metrics: ctx.metrics,
      connection: container.resolveOptional(RedisConnectionToken),
      log: ctx.log,
    });
    container.register(TenantServicesToken, { useValue: isolation.services });
    container.register(TenantSettingsToken, { useValue: isolation.settings });
    container.register(TenantQuotasToken, { useValue: isolation.quotas });
    if (isolation.requestQuota !== undefined) ctx.use(isolation.requestQuota, { phase: 'limit' });

    ctx.onStart(() => built.start());
    ctx.onStop(async () => {
      try {
        await isolation.close();
      } finally {
        await built.close();
      }
    });
    ctx.log.debug({ registry: built.kind }, 'tenant ready');
  },
});
