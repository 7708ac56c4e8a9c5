import type { EventBus, Logger, RedisConnection } from '@koaforge/core';
import { CoreErrors } from '@koaforge/core';
import type { TenantConfig } from '../config.js';
import { CachedTenantRegistry, type CachedTenantRegistryOptions } from '../registry/cached.js';
import { MemoryTenantRegistry } from '../registry/memory.js';
import { RedisTenantRegistry } from '../registry/redis.js';
import { StaticTenantRegistry } from '../registry/static.js';
import type { TenantRecord, TenantRegistry } from '../types.js';

/** The app's loader hooks, for a `CachedTenantRegistry` over its own database. */
export type TenantLoader = Pick<CachedTenantRegistryOptions, 'load' | 'loadByDomain'>;

export interface RegistryInput {
  config: TenantConfig;
  connection?: RedisConnection | undefined;
  bus?: EventBus | undefined;
  log?: Logger;
  /** A registry of the app's own: used as is. */
  registry?: TenantRegistry | undefined;
  /** The app's loader: a `CachedTenantRegistry` (Redis level and bus when the app has them). */
  loader?: TenantLoader | undefined;
}

export interface BuiltRegistry {
  readonly registry: TenantRegistry;
  readonly kind: 'custom' | 'cached' | TenantConfig['registry']['kind'];
  /** Seeds configured tenants into Redis (when absent). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The registry the config and the plugin options ask for. */
export function buildRegistry(input: RegistryInput): BuiltRegistry {
  const { config, connection, bus, log } = input;
  const { kind, cacheTtlMs, negativeTtlMs, maxEntries } = config.registry;
  const logger = log === undefined ? {} : { logger: log };
  const closing = (registry: TenantRegistry) => async () => {
    await registry.close?.();
  };
  if (input.registry !== undefined) {
    // The app owns it (and closes it).
    return { registry: input.registry, kind: 'custom', start: async () => undefined, close: async () => undefined };
  }
  if (input.loader !== undefined) {
    const registry = new CachedTenantRegistry({
      ...input.loader,
      ttlMs: cacheTtlMs,
      negativeTtlMs,
      maxEntries,
      ...(connection === undefined ? {} : { redis: connection }),
      ...(bus === undefined ? {} : { bus }),
      ...logger,
    });
    return { registry, kind: 'cached', start: async () => undefined, close: closing(registry) };
  }
  const tenants = config.tenants as TenantRecord[];
  if (kind === 'static') {
    const registry = new StaticTenantRegistry(tenants);
    return { registry, kind, start: async () => undefined, close: closing(registry) };
  }
  if (kind === 'memory') {
    const registry = new MemoryTenantRegistry({ tenants, ...logger });
    return { registry, kind, start: async () => undefined, close: closing(registry) };
  }
  if (connection === undefined) {
    throw CoreErrors.CONFIG_INVALID(
      'tenant.registry.kind is "redis" but no Redis connection is registered: register redisPlugin before tenantPlugin',
    );
  }
  if (bus === undefined) {
    log?.warn(
      'tenant registry in Redis without an event bus: other instances see changes only after tenant.registry.cacheTtlMs',
    );
  }
  const registry = new RedisTenantRegistry({
    connection,
    cacheTtlMs,
    negativeTtlMs,
    maxEntries,
    ...(bus === undefined ? {} : { bus }),
    ...logger,
  });
  const start = async () => {
    try {
      for (const tenant of tenants) await registry.putIfAbsent(tenant);
    } catch (err) {
      // Redis down at boot must not stop the app: requests answer 503 until it is back.
      log?.warn({ err }, 'tenant: configured tenants not seeded into Redis');
    }
  };
  return { registry, kind, start, close: closing(registry) };
}
