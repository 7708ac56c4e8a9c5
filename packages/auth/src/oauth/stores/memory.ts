import type { OAuthHandoffGrant, OAuthHandoffStore } from '../handoff.js';
import type { OAuthTransaction, OAuthTransactionStore } from '../transaction.js';

export interface MemoryOAuthTransactionStoreOptions {
  /**
   * Most entries kept at once; the oldest is dropped first. `/start` is unauthenticated, so
   * without a bound anyone could grow this map until the process runs out of memory. Default 10 000.
   */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * Single-use values with a TTL in this process's memory: what OAuth transactions and hand-off
 * codes both need. `consume` deletes before it answers, so a value is handed out at most once.
 */
class MemoryOneTimeStore<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryOAuthTransactionStoreOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  async save(key: string, value: T, ttlMs: number): Promise<void> {
    const now = this.#now();
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#evict(now);
    this.#entries.set(key, { value, expiresAt: now + ttlMs });
  }

  async consume(key: string): Promise<T | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Delete before answering: single use, even when it turns out to be expired.
    this.#entries.delete(key);
    return entry.expiresAt > this.#now() ? entry.value : undefined;
  }

  /** How many entries are held (expired ones included until swept). */
  get size(): number {
    return this.#entries.size;
  }

  /** Drop expired entries; if none were, drop the oldest (Map iteration is insertion order). */
  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
    if (this.#entries.size < this.#maxEntries) return;
    const oldest = this.#entries.keys().next();
    if (oldest.done !== true) this.#entries.delete(oldest.value);
  }
}

/**
 * Transactions in this process's memory: the default for one process. With several processes
 * behind a load balancer the callback may land elsewhere; use {@link RedisOAuthTransactionStore}.
 */
export class MemoryOAuthTransactionStore
  extends MemoryOneTimeStore<OAuthTransaction>
  implements OAuthTransactionStore {}

/**
 * One-time sign-in codes in this process's memory (one process). With several processes the
 * exchange may land elsewhere; use {@link RedisOAuthHandoffStore}.
 */
export class MemoryOAuthHandoffStore extends MemoryOneTimeStore<OAuthHandoffGrant> implements OAuthHandoffStore {}
