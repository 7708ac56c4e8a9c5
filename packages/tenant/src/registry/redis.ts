import { type EventBus, type Logger, type RedisConnection, redisIsDown } from '@koaforge/core';
import { TenantErrors } from '../errors.js';
import type { TenantChange, TenantChangeListener, TenantRecord, TenantRegistry } from '../types.js';
import { LocalTenantCache } from './local-cache.js';
import { decodeRecord, storedRecord } from './record-schema.js';
import { type TenantScripts, tenantScripts } from './redis-scripts.js';
import { TenantChanged } from './tenant-changed.js';
import { registryUnavailable } from './unavailable.js';

export interface RedisTenantRegistryOptions {
  /** Core's Redis connection (`RedisConnectionToken`); keys are `<prefix>{tenants}:records|domains`. */
  connection: RedisConnection;
  /** Changes reach the other instances' local caches through this bus; without one they wait out the TTL. */
  bus?: EventBus;
  /** How long a record read from Redis is answered from memory. Default 30 s. */
  cacheTtlMs?: number;
  /** How long an unknown tenant or domain is remembered as unknown. Default 5 s. */
  negativeTtlMs?: number;
  /** Most tenants (and domains) held in memory. Default 10,000. */
  maxEntries?: number;
  logger?: Logger;
}

/**
 * Tenants stored in Redis, shared by every instance, with a local cache in front (so most requests
 * are decided without a round trip) that is invalidated across instances through core's event bus.
 * When Redis is down, what the local cache holds is still answered; anything else is a 503
 * `TENANT_REGISTRY_UNAVAILABLE` at once, and the registry recovers by itself with the connection.
 *
 * @example
 * const registry = new RedisTenantRegistry({ connection, bus });
 * await registry.put({ id: 'acme', name: 'Acme', domains: ['app.acme.com'] });
 * await registry.suspend('acme');
 */
export class RedisTenantRegistry implements TenantRegistry {
  readonly #connection: RedisConnection;
  readonly #recordsKey: string;
  readonly #domainsKey: string;
  readonly #cache: LocalTenantCache;
  readonly #scripts: TenantScripts;
  readonly #bus: EventBus | undefined;

  constructor(options: RedisTenantRegistryOptions) {
    this.#connection = options.connection;
    this.#scripts = tenantScripts(options.connection.client);
    this.#recordsKey = options.connection.key('{tenants}', 'records');
    this.#domainsKey = options.connection.key('{tenants}', 'domains');
    this.#bus = options.bus;
    this.#cache = new LocalTenantCache({
      ttlMs: options.cacheTtlMs ?? 30_000,
      negativeTtlMs: options.negativeTtlMs ?? 5_000,
      maxEntries: options.maxEntries ?? 10_000,
      bus: options.bus,
      logger: options.logger,
    });
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return this.#cache.get(id, (key) => this.#read(key));
  }

  peek(id: string): TenantRecord | null | undefined {
    return this.#cache.peek(id);
  }

  async byDomain(host: string): Promise<TenantRecord | undefined> {
    const cached = this.#cache.domainOwner(host);
    if (cached === null) return undefined;
    if (cached !== undefined) return this.get(cached);
    const record = await this.#cache.byDomain(host, async (key) => {
      const id = await this.#command(() => this.#connection.client.hget(this.#domainsKey, key));
      return id === null ? null : ((await this.get(id)) ?? null);
    });
    return record ?? undefined;
  }

  peekDomain(host: string): TenantRecord | null | undefined {
    const id = this.#cache.domainOwner(host);
    if (id === null) return null;
    return id === undefined ? undefined : this.#cache.peek(id);
  }

  /** Every tenant (reads Redis). */
  async list(): Promise<TenantRecord[]> {
    const all = await this.#command(() => this.#connection.client.hvals(this.#recordsKey));
    return all.map(decodeRecord).filter((r): r is TenantRecord => r !== undefined);
  }

  /** Add or replace a tenant. 409 `TENANT_DOMAIN_TAKEN` when a domain belongs to another tenant. */
  async put(record: TenantRecord): Promise<TenantRecord> {
    const stored = storedRecord(record);
    await this.#write(stored.id, JSON.stringify(stored), stored.domains ?? []);
    await this.#changed({ id: stored.id, change: 'updated' });
    return stored;
  }

  /** Add the tenant unless one with its id exists (seeding from config). True when added. */
  async putIfAbsent(record: TenantRecord): Promise<boolean> {
    const stored = storedRecord(record);
    const exists = await this.#command(() => this.#connection.client.hexists(this.#recordsKey, stored.id));
    if (exists === 1) return false;
    await this.put(stored);
    return true;
  }

  /** Remove a tenant; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const removed = (await this.#write(id, '', [])) === 1;
    if (removed) await this.#changed({ id, change: 'removed' });
    return removed;
  }

  /** Suspend a tenant (it then answers like an unknown one); false when there is none. */
  suspend(id: string): Promise<boolean> {
    return this.#setStatus(id, 'suspended');
  }

  /** Undo `suspend`; false when there is no such tenant. */
  resume(id: string): Promise<boolean> {
    return this.#setStatus(id, 'active');
  }

  onChange(listener: TenantChangeListener): () => void {
    return this.#cache.onChange(listener);
  }

  close(): void {
    this.#cache.close();
  }

  /** Read, change the status, write back only if nobody wrote in between (else read again). */
  async #setStatus(id: string, status: 'active' | 'suspended'): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const json = await this.#command(() => this.#connection.client.hget(this.#recordsKey, id));
      const record = json === null ? undefined : decodeRecord(json);
      if (json === null || record === undefined) return false;
      const stored = storedRecord({ ...record, status });
      const written = await this.#write(id, JSON.stringify(stored), stored.domains ?? [], json);
      if (written === -1) continue;
      await this.#changed({ id, change: 'updated' });
      return true;
    }
    throw TenantErrors.TENANT_REGISTRY_UNAVAILABLE('The tenant kept changing while its status was set; try again');
  }

  async #read(id: string): Promise<TenantRecord | null> {
    const json = await this.#command(() => this.#connection.client.hget(this.#recordsKey, id));
    return json === null ? null : (decodeRecord(json) ?? null);
  }

  async #write(id: string, json: string, domains: readonly string[], ifStored = ''): Promise<number> {
    try {
      return await this.#command(() =>
        this.#scripts.kfTenantPut(this.#recordsKey, this.#domainsKey, id, json, ifStored, ...domains),
      );
    } catch (err) {
      const message = (err as { cause?: { message?: unknown } }).cause?.message;
      if (typeof message === 'string' && message.startsWith('DOMAIN_TAKEN ')) {
        throw TenantErrors.TENANT_DOMAIN_TAKEN(`The domain ${message.slice(13)} already belongs to another tenant`);
      }
      throw err;
    }
  }

  async #changed(change: TenantChange): Promise<void> {
    this.#cache.apply(change);
    await this.#bus?.emit(TenantChanged, change);
  }

  /** A command, failing at once with 503 when the client is not connected (it would wait for a reconnect). */
  async #command<T>(run: () => Promise<T>): Promise<T> {
    if (redisIsDown(this.#connection.client)) throw TenantErrors.TENANT_REGISTRY_UNAVAILABLE();
    try {
      return await run();
    } catch (err) {
      throw registryUnavailable(err);
    }
  }
}
