import type { VerifiedAccessToken } from './access-claims.js';

/** A cached verification: what was verified, and until when it may be reused. */
export interface CachedVerification {
  readonly verified: VerifiedAccessToken;
  /** Epoch seconds: `exp` of the token. */
  readonly exp: number;
  /** Epoch ms: `notAfter` of the key that signed it (`Infinity` when unbounded). */
  readonly keyNotAfter: number;
}

interface Slot {
  readonly entry: CachedVerification;
  /** Used since it was last considered for eviction (the CLOCK "second chance" bit). */
  hit: boolean;
}

/** How many recently used entries one insertion may move to the back before evicting anyway. */
const MAX_SECOND_CHANCES = 8;

/**
 * A bounded cache of tokens whose signature and claims were already checked, keyed by the exact
 * token string. Only genuinely signed tokens ever get in, so an attacker cannot flood it; the bound
 * keeps memory flat under many users. Callers still check `exp`, the key's `notAfter` and the
 * deny-list on every hit: the cache saves the signature and the parsing, never a decision that can
 * change.
 *
 * Eviction is CLOCK (second chance) over the `Map`'s insertion order rather than strict LRU: a hit
 * only sets a flag, so the hot path is one `Map` lookup (an LRU's "delete then set" per hit cost
 * two more on every authenticated request), and an insertion into a full cache moves entries used
 * since their last turn to the back before evicting the oldest unused one.
 */
export class VerifiedTokenCache {
  readonly maxEntries: number;
  readonly #entries = new Map<string, Slot>();

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
    const slot = this.#entries.get(token);
    if (slot === undefined) return undefined;
    slot.hit = true;
    return slot.entry;
  }

  set(token: string, entry: CachedVerification): void {
    this.#entries.delete(token);
    if (this.#entries.size >= this.maxEntries) this.#evictOne();
    this.#entries.set(token, { entry, hit: false });
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }

  clear(): void {
    this.#entries.clear();
  }

  #evictOne(): void {
    for (let chances = 0; ; chances++) {
      const oldest = this.#entries.entries().next();
      if (oldest.done === true) return;
      const [token, slot] = oldest.value;
      this.#entries.delete(token);
      if (!slot.hit || chances >= MAX_SECOND_CHANCES) return;
      slot.hit = false;
      this.#entries.set(token, slot);
    }
  }
}
