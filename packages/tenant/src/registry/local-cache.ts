import type { EventBus, Logger } from '@koaforge/core';
import type { TenantChange, TenantChangeListener, TenantRecord } from '../types.js';
import { ChangeListeners } from './change-listeners.js';
import { InFlight } from './in-flight.js';
import { TenantChanged } from './tenant-changed.js';
import { TtlCache } from './ttl-cache.js';

export interface LocalTenantCacheOptions {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
  /** Changes made by other instances arrive here (`tenant.changed`) and are applied locally. */
  bus?: EventBus | undefined;
  logger?: Logger | undefined;
}

/**
 * The in-process level of the Redis and loader-backed registries: records and domains with TTLs
 * and negative entries, one load per tenant at a time, change listeners, and invalidation from the
 * event bus. A load that started before an invalidation never refills the cache with what it read.
 */
export class LocalTenantCache {
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  /** id → record, or `null` for a known miss. */
  readonly #records: TtlCache<TenantRecord | null>;
  /** host → tenant id, or `null` for a known miss. */
  readonly #domains: TtlCache<string | null>;
  readonly #loading = new InFlight<TenantRecord | null>();
  readonly #listeners: ChangeListeners;
  readonly #unsubscribe: (() => void) | undefined;
  /** Bumped by every change: a load that started before one must not refill the cache. */
  #generation = 0;

  constructor(options: LocalTenantCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.negativeTtlMs = options.negativeTtlMs;
    this.#records = new TtlCache(options.maxEntries);
    this.#domains = new TtlCache(options.maxEntries);
    this.#listeners = new ChangeListeners(options.logger);
    this.#unsubscribe = options.bus?.on(TenantChanged, (change, meta) => {
      // Our own changes were applied before they were emitted.
      if (!meta.local) this.apply(change);
    });
  }

  /** The cached record, else `fill(id)` (shared by concurrent callers), cached unless a change came meanwhile. */
  get(id: string, fill: (id: string) => Promise<TenantRecord | null>): Promise<TenantRecord | undefined> {
    const cached = this.#records.get(id);
    if (cached !== undefined) return Promise.resolve(cached ?? undefined);
    return this.#loading
      .run(id, async () => {
        const generation = this.#generation;
        const record = await fill(id);
        if (generation === this.#generation) this.remember(id, record);
        return record;
      })
      .then((r) => r ?? undefined);
  }

  /** Like `get` for a domain: `fill(host)` finds the owning record (or `null`). */
  async byDomain(host: string, fill: (host: string) => Promise<TenantRecord | null>): Promise<TenantRecord | null> {
    const generation = this.#generation;
    const record = await this.#loading.run(`domain:${host}`, () => fill(host));
    if (generation === this.#generation) {
      this.#domains.set(host, record?.id ?? null, this.#ttlOf(record));
      if (record !== null) this.remember(record.id, record);
    }
    return record;
  }

  peek(id: string): TenantRecord | null | undefined {
    return this.#records.get(id);
  }

  /** The tenant id cached for a domain: an id, `null` for a known miss, `undefined` when unknown. */
  domainOwner(host: string): string | null | undefined {
    return this.#domains.get(host);
  }

  remember(id: string, record: TenantRecord | null): void {
    this.#records.set(id, record, this.#ttlOf(record));
  }

  /** Drop what is cached of this tenant (and domain misses, which it may now own) and tell the listeners. */
  apply(change: TenantChange): void {
    this.#generation++;
    this.#records.delete(change.id);
    this.#loading.forget(change.id);
    this.#domains.deleteWhere((owner) => owner === change.id || owner === null);
    this.#listeners.notify(change);
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

  #ttlOf(record: TenantRecord | null): number {
    return record === null ? this.negativeTtlMs : this.ttlMs;
  }
}
