import type { EventBus, Logger, RedisConnection } from '@koaforge/core';
import type { TenantChange, TenantChangeListener, TenantRecord, TenantRegistry } from '../types.js';
import { ChangeListeners } from './change-listeners.js';
import { InFlight } from './in-flight.js';
import { storedRecord } from './record-schema.js';
import { RedisCacheLevel } from './redis-cache-level.js';
import { TenantChanged } from './tenant-changed.js';
import { TtlCache } from './ttl-cache.js';
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
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  /** id → record, or `null` for a known miss. */
  readonly #records: TtlCache<TenantRecord | null>;
  /** host → tenant id, or `null` for a known miss. */
  readonly #domains: TtlCache<string | null>;
  readonly #loading = new InFlight<TenantRecord | null>();
  readonly #listeners: ChangeListeners;
  readonly #level2: RedisCacheLevel | undefined;
  readonly #bus: EventBus | undefined;
  readonly #unsubscribe: (() => void) | undefined;
  /** Bumped by every invalidation: a load that started before one must not refill the cache. */
  #generation = 0;

  constructor(options: CachedTenantRegistryOptions) {
    this.#load = options.load;
    this.#loadByDomain = options.loadByDomain;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 10_000;
    const max = options.maxEntries ?? 10_000;
    this.#records = new TtlCache(max);
    this.#domains = new TtlCache(max);
    this.#listeners = new ChangeListeners(options.logger);
    this.#level2 =
      options.redis === undefined
        ? undefined
        : new RedisCacheLevel({
            connection: options.redis,
            ...(options.logger === undefined ? {} : { logger: options.logger }),
          });
    this.#bus = options.bus;
    this.#unsubscribe = this.#bus?.on(TenantChanged, (change, meta) => {
      // Our own emits were applied before emitting.
      if (!meta.local) this.#apply(change);
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    const cached = this.#records.get(id);
    if (cached !== undefined) return Promise.resolve(cached ?? undefined);
    return this.#loading.run(id, () => this.#fill(id)).then((r) => r ?? undefined);
  }

  peek(id: string): TenantRecord | null | undefined {
    return this.#records.get(id);
  }

  async byDomain(host: string): Promise<TenantRecord | undefined> {
    const id = this.#domains.get(host);
    if (id === null) return undefined;
    if (id !== undefined) return this.get(id);
    if (this.#loadByDomain === undefined) return undefined;
    const record = await this.#loading.run(`domain:${host}`, () => this.#fillDomain(host));
    return record ?? undefined;
  }

  peekDomain(host: string): TenantRecord | null | undefined {
    const id = this.#domains.get(host);
    if (id === null) return null;
    if (id === undefined) return this.#loadByDomain === undefined ? null : undefined;
    return this.#records.get(id) ?? undefined;
  }

  /**
   * Drop the tenant here, in the shared Redis level and (through the bus) in every other instance,
   * and tell `onChange` listeners. Call it after changing or removing the tenant in your store.
   */
  async invalidate(id: string, change: TenantChange['change'] = 'updated'): Promise<void> {
    const event = { id, change };
    this.#apply(event);
    await this.#level2?.drop(id);
    await this.#bus?.emit(TenantChanged, event);
  }

  onChange(listener: TenantChangeListener): () => void {
    return this.#listeners.add(listener);
  }

  close(): void {
    this.#unsubscribe?.();
    this.#listeners.clear();
    this.#records.clear();
    this.#domains.clear();
    this.#loading.clear();
  }

  #apply(change: TenantChange): void {
    this.#generation++;
    this.#records.delete(change.id);
    this.#loading.forget(change.id);
    // Its domains may have moved, and a domain unknown a moment ago may now be its.
    this.#domains.deleteWhere((owner) => owner === change.id || owner === null);
    this.#listeners.notify(change);
  }

  async #fill(id: string): Promise<TenantRecord | null> {
    const generation = this.#generation;
    let record = await this.#level2?.get(id);
    if (record === undefined) {
      record = await this.#loadRecord(() => this.#load(id));
      await this.#level2?.set(id, record, record === null ? this.#negativeTtlMs : this.#ttlMs);
    }
    if (generation === this.#generation) this.#remember(id, record);
    return record;
  }

  async #fillDomain(host: string): Promise<TenantRecord | null> {
    const generation = this.#generation;
    const record = await this.#loadRecord(() => this.#loadByDomain!(host));
    if (generation === this.#generation) {
      this.#domains.set(host, record?.id ?? null, record === null ? this.#negativeTtlMs : this.#ttlMs);
      if (record !== null) this.#remember(record.id, record);
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

  #remember(id: string, record: TenantRecord | null): void {
    this.#records.set(id, record, record === null ? this.#negativeTtlMs : this.#ttlMs);
  }
}
