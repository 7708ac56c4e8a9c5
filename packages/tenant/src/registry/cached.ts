import type { EventBus, Logger, RedisConnection } from '@koaforge/core';
import type { TenantChange, TenantChangeListener, TenantRecord, TenantRegistry } from '../types.js';
import { LocalTenantCache } from './local-cache.js';
import { storedRecord } from './record-schema.js';
import { RedisCacheLevel } from './redis-cache-level.js';
import { TenantChanged } from './tenant-changed.js';
import { registryUnavailable } from './unavailable.js';

export interface CachedTenantRegistryOptions {
  /** The app's lookup (its database). `undefined` for an unknown tenant; a throw answers 503. */
  load(id: string): Promise<TenantRecord | undefined>;
  /** The app's lookup by custom domain (lower-case host without port). Without it, `byDomain` finds nothing. */
  loadByDomain?(host: string): Promise<TenantRecord | undefined>;
  /** How long a found tenant is kept in this process. Default 60 s. */
  ttlMs?: number;
  /** How long an unknown tenant is remembered as unknown, so floods of made-up ids reach the loader once. Default 10 s. */
  negativeTtlMs?: number;
  /** Most tenants (and domains) held in this process. Default 10,000. */
  maxEntries?: number;
  /**
   * A second cache level shared by the app's instances (core's Redis connection), so a cold
   * instance does not hit the database. Redis being down only skips this level.
   */
  redis?: RedisConnection;
  /** Invalidations reach the other instances through this bus (with its Redis transport). */
  bus?: EventBus;
  logger?: Logger;
}

/**
 * An app's own tenant store behind a local TTL cache: negative caching, one load per tenant at a
 * time, an optional shared Redis level, and invalidation across instances through core's event
 * bus. Call `invalidate(id)` after changing a tenant in your database.
 *
 * @example
 * const registry = new CachedTenantRegistry({
 *   load: (id) => db.tenants.findById(id),
 *   loadByDomain: (host) => db.tenants.findByDomain(host),
 *   redis: connection,
 *   bus,
 * });
 * await db.tenants.suspend('acme');
 * await registry.invalidate('acme');
 */
export class CachedTenantRegistry implements TenantRegistry {
  readonly #load: (id: string) => Promise<TenantRecord | undefined>;
  readonly #loadByDomain: ((host: string) => Promise<TenantRecord | undefined>) | undefined;
  readonly #cache: LocalTenantCache;
  readonly #level2: RedisCacheLevel | undefined;
  readonly #bus: EventBus | undefined;

  constructor(options: CachedTenantRegistryOptions) {
    this.#load = options.load;
    this.#loadByDomain = options.loadByDomain;
    this.#bus = options.bus;
    this.#cache = new LocalTenantCache({
      ttlMs: options.ttlMs ?? 60_000,
      negativeTtlMs: options.negativeTtlMs ?? 10_000,
      maxEntries: options.maxEntries ?? 10_000,
      bus: options.bus,
      logger: options.logger,
    });
    this.#level2 =
      options.redis === undefined
        ? undefined
        : new RedisCacheLevel({
            connection: options.redis,
            ...(options.logger === undefined ? {} : { logger: options.logger }),
          });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return this.#cache.get(id, (key) => this.#fill(key));
  }

  peek(id: string): TenantRecord | null | undefined {
    return this.#cache.peek(id);
  }

  async byDomain(host: string): Promise<TenantRecord | undefined> {
    const id = this.#cache.domainOwner(host);
    if (id === null) return undefined;
    if (id !== undefined) return this.get(id);
    const loadByDomain = this.#loadByDomain;
    if (loadByDomain === undefined) return undefined;
    return (await this.#cache.byDomain(host, (key) => this.#loadRecord(() => loadByDomain(key)))) ?? undefined;
  }

  peekDomain(host: string): TenantRecord | null | undefined {
    const id = this.#cache.domainOwner(host);
    if (id === null) return null;
    if (id === undefined) return this.#loadByDomain === undefined ? null : undefined;
    return this.#cache.peek(id) ?? undefined;
  }

  /**
   * Drop the tenant here, in the shared Redis level and (through the bus) in every other instance,
   * and tell `onChange` listeners. Call it after changing or removing the tenant in your store.
   */
  async invalidate(id: string, change: TenantChange['change'] = 'updated'): Promise<void> {
    const event = { id, change };
    this.#cache.apply(event);
    await this.#level2?.drop(id);
    await this.#bus?.emit(TenantChanged, event);
  }

  onChange(listener: TenantChangeListener): () => void {
    return this.#cache.onChange(listener);
  }

  close(): void {
    this.#cache.close();
  }

  async #fill(id: string): Promise<TenantRecord | null> {
    let record = await this.#level2?.get(id);
    if (record === undefined) {
      record = await this.#loadRecord(() => this.#load(id));
      const ttl = record === null ? this.#cache.negativeTtlMs : this.#cache.ttlMs;
      await this.#level2?.set(id, record, ttl);
    }
    return record;
  }

  async #loadRecord(load: () => Promise<TenantRecord | undefined>): Promise<TenantRecord | null> {
    let found: TenantRecord | undefined;
    try {
      found = await load();
    } catch (err) {
      throw registryUnavailable(err);
    }
    return found === undefined ? null : storedRecord(found);
  }
}
