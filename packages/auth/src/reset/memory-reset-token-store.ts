import type { ResetTokenRecord, ResetTokenStore } from './reset-token-store.js';

interface Entry {
  record: ResetTokenRecord;
  /** When the store forgets it (ms since the epoch), independent of `record.expiresAt`. */
  dropAt: number;
}

/** One process's reset tokens. Expired entries are dropped when met and by a periodic sweep on `put`. */
export class MemoryResetTokenStore implements ResetTokenStore {
  readonly #tokens = new Map<string, Entry>();
  /** userId → hash of the user's current token. */
  readonly #current = new Map<string, string>();
  readonly #now: () => number;
  #puts = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async put(tokenHash: string, record: ResetTokenRecord, ttlMs: number): Promise<void> {
    // Amortised: a full sweep every 64 puts keeps abandoned tokens from piling up.
    if (++this.#puts % 64 === 0) this.#sweep();
    const previous = this.#current.get(record.userId);
    if (previous !== undefined) this.#tokens.delete(previous);
    this.#tokens.set(tokenHash, { record: { ...record }, dropAt: this.#now() + ttlMs });
    this.#current.set(record.userId, tokenHash);
  }

  async take(tokenHash: string): Promise<ResetTokenRecord | undefined> {
    // Synchronous from lookup to delete: no other call can interleave, so one caller wins.
    const entry = this.#tokens.get(tokenHash);
    if (entry === undefined) return undefined;
    this.#tokens.delete(tokenHash);
    if (this.#current.get(entry.record.userId) !== tokenHash) return undefined;
    this.#current.delete(entry.record.userId);
    return entry.dropAt > this.#now() ? entry.record : undefined;
  }

  async voidForUser(userId: string): Promise<void> {
    const hash = this.#current.get(userId);
    if (hash !== undefined) this.#tokens.delete(hash);
    this.#current.delete(userId);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [hash, entry] of this.#tokens) {
      if (entry.dropAt <= now) {
        this.#tokens.delete(hash);
        if (this.#current.get(entry.record.userId) === hash) this.#current.delete(entry.record.userId);
      }
    }
  }
}
