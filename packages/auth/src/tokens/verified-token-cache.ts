import type { VerifiedAccessToken } from './access-claims.js';

/** A cached verification: what was verified, and until when it may be reused. */
export interface CachedVerification {
  readonly verified: VerifiedAccessToken;
  /** Epoch seconds: `exp` of the token. */
  readonly exp: number;
  /** Epoch ms: `notAfter` of the key that signed it (`Infinity` when unbounded). */
  readonly keyNotAfter: number;
}

/**
 * A bounded LRU of tokens whose signature and claims were already checked, keyed by the exact token
 * string. Only genuinely signed tokens ever get in, so an attacker cannot flood it; the bound keeps
 * memory flat under many users. Callers still check `exp`, the key's `notAfter` and the deny-list on
 * every hit: the cache saves the signature and the parsing, never a decision that can change.
 *
 * A `Map` keeps insertion order, so "delete then set" on a hit makes it the newest and the first key
 * is always the least recently used.
 */
export class VerifiedTokenCache {
  readonly maxEntries: number;
  readonly #entries = new Map<string, CachedVerification>();

  constructor(maxEntries = 10_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`VerifiedTokenCache: maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): CachedVerification | undefined {
    const entry = this.#entries.get(token);
    if (entry !== undefined) {
      this.#entries.delete(token);
      this.#entries.set(token, entry);
    }
    return entry;
  }

  set(token: string, entry: CachedVerification): void {
    this.#entries.delete(token);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, entry);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }

  clear(): void {
    this.#entries.clear();
  }
}
