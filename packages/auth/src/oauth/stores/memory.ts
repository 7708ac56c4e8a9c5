import type { OAuthTransaction, OAuthTransactionStore } from '../transaction.js';

export interface MemoryOAuthTransactionStoreOptions {
  /**
   * Most transactions kept at once; the oldest is dropped first. `/start` is unauthenticated, so
   * without a bound anyone could grow this map until the process runs out of memory. Default 10 000.
   */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry {
  readonly tx: OAuthTransaction;
  readonly expiresAt: number;
}

/**
 * Transactions in this process's memory: the default for one process. With several processes
 * behind a load balancer the callback may land elsewhere; use {@link RedisOAuthTransactionStore}.
 */
export class MemoryOAuthTransactionStore implements OAuthTransactionStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryOAuthTransactionStoreOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  async save(key: string, tx: OAuthTransaction, ttlMs: number): Promise<void> {
    const now = this.#now();
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#evict(now);
    this.#entries.set(key, { tx, expiresAt: now + ttlMs });
  }

  async consume(key: string): Promise<OAuthTransaction | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Delete before answering: single use, even when it turns out to be expired.
    this.#entries.delete(key);
    return entry.expiresAt > this.#now() ? entry.tx : undefined;
  }

  /** How many transactions are held (expired ones included until swept). */
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
