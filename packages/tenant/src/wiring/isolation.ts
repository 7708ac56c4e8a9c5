import type { Container, Logger, MetricsRegistry, RedisConnection } from '@koaforge/core';
import { CoreErrors } from '@koaforge/core';
import type { Middleware } from 'koa';
import type { TenantConfig } from '../config.js';
import { tenantQuota } from '../quota/middleware.js';
import type { QuotaStore } from '../quota/store.js';
import { MemoryQuotaStore } from '../quota/stores/memory.js';
import { RedisQuotaStore } from '../quota/stores/redis.js';
import { TenantQuotas } from '../quota/tenant-quotas.js';
import { TenantServices } from '../services/tenant-services.js';
import { type SettingsConfigSource, TenantSettings } from '../settings/tenant-settings.js';
import type { TenantRegistry } from '../types.js';

export interface IsolationInput {
  config: TenantConfig;
  registry: TenantRegistry;
  container: Container;
  appConfig: SettingsConfigSource;
  metrics?: MetricsRegistry | undefined;
  connection?: RedisConnection | undefined;
  log: Logger;
}

export interface Isolation {
  readonly services: TenantServices;
  readonly settings: TenantSettings;
  readonly quotas: TenantQuotas;
  /** The request quota middleware (phase `limit`), when `tenant.requestQuota` names one. */
  readonly requestQuota: Middleware | undefined;
  close(): Promise<void>;
}

function quotaStore(config: TenantConfig, connection: RedisConnection | undefined): QuotaStore {
  const kind = config.quotaStore === 'auto' ? (connection === undefined ? 'memory' : 'redis') : config.quotaStore;
  if (kind === 'memory') return new MemoryQuotaStore();
  if (connection === undefined) {
    throw CoreErrors.CONFIG_INVALID(
      'tenant.quotaStore is "redis" but no Redis connection is registered: register redisPlugin before tenantPlugin',
    );
  }
  return new RedisQuotaStore({ connection });
}

/**
 * Per-tenant services, settings and quotas over the registry: settings are re-read and a removed
 * tenant's services disposed when the registry says a tenant changed (on every instance, when the
 * registry shares changes through the event bus).
 */
export function buildIsolation(input: IsolationInput): Isolation {
  const { config, registry, log } = input;
  const records = (id: string) => registry.get(id);
  const services = new TenantServices({
    container: input.container,
    records,
    ...(config.services.maxTenants === undefined ? {} : { maxTenants: config.services.maxTenants }),
    onDisposeError: (err, tenantId) => log.error({ err, tenantId }, 'tenant services disposal failed'),
  });
  const settings = new TenantSettings({ records, config: input.appConfig });
  const store = quotaStore(config, input.connection);
  const quotas = new TenantQuotas({
    quotas: config.quotas,
    store,
    records,
    ...(input.metrics === undefined ? {} : { metrics: input.metrics }),
    metricsTenantLabel: config.metricsTenantLabel,
  });
  const unsubscribe = registry.onChange?.(({ id, change }) => {
    settings.invalidate(id);
    if (change === 'removed') {
      services.evict(id).catch((err: unknown) => log.error({ err, tenantId: id }, 'tenant services disposal failed'));
    }
  });
  let requestQuota: Middleware | undefined;
  if (config.requestQuota !== false) {
    if (config.quotas[config.requestQuota]?.kind !== 'period') {
      throw CoreErrors.CONFIG_INVALID(
        `tenant.requestQuota "${config.requestQuota}" must name a period quota of tenant.quotas`,
      );
    }
    requestQuota = tenantQuota({ quota: config.requestQuota, quotas, onStoreDown: config.onQuotaStoreDown });
  }
  return {
    services,
    settings,
    quotas,
    requestQuota,
    async close() {
      unsubscribe?.();
      try {
        await services.dispose();
      } finally {
        await store.close();
      }
    },
  };
}
