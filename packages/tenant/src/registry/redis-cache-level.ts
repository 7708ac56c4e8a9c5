import { type Logger, type RedisConnection, redisIsDown } from '@koaforge/core';
import type { TenantRecord } from '../types.js';
import { decodeRecord } from './record-schema.js';

/** Stored for a known miss (a record is always a JSON object). */
const MISS = '-';

/**
 * The shared second level of `CachedTenantRegistry`: `<prefix>tenant:cache:<id>` → record JSON
 * (or a miss marker), expiring with the cache TTL. Purely a cache: when Redis is down it is
 * skipped (one log line when it goes, one when it is back), never an error for the request.
 */
export class RedisCacheLevel {
  readonly #connection: RedisConnection;
  readonly #logger: Logger | undefined;
  #down = false;

  constructor(options: { connection: RedisConnection; logger?: Logger }) {
    this.#connection = options.connection;
    this.#logger = options.logger;
  }

  /** The cached record, `null` for a cached miss, `undefined` when not cached (or Redis is down). */
  async get(id: string): Promise<TenantRecord | null | undefined> {
    if (!this.#ready()) return undefined;
    try {
      const value = await this.#connection.client.get(this.#key(id));
      this.#up();
      if (value === null) return undefined;
      if (value === MISS) return null;
      return decodeRecord(value);
    } catch (err) {
      this.#failed(err);
      return undefined;
    }
  }

  async set(id: string, record: TenantRecord | null, ttlMs: number): Promise<void> {
    if (!this.#ready() || ttlMs <= 0) return;
    try {
      await this.#connection.client.set(this.#key(id), record === null ? MISS : JSON.stringify(record), 'PX', ttlMs);
      this.#up();
    } catch (err) {
      this.#failed(err);
    }
  }

  async drop(id: string): Promise<void> {
    if (!this.#ready()) return;
    try {
      await this.#connection.client.del(this.#key(id));
    } catch (err) {
      this.#failed(err);
    }
  }

  #key(id: string): string {
    return this.#connection.key('tenant', 'cache', encodeURIComponent(id));
  }

  /** Commands to a client that is not connected would wait for a reconnect; skip the level at once. */
  #ready(): boolean {
    const ready = !redisIsDown(this.#connection.client);
    if (!ready) this.#failed(undefined);
    return ready;
  }

  #up(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#logger?.info('tenant cache: Redis answers again, shared cache level back');
  }

  #failed(err: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#logger?.warn({ err }, 'tenant cache: Redis unavailable, loading tenants without the shared cache level');
  }
}
