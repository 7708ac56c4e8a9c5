import { assertAmount, type QuotaCount, type QuotaStore } from '../store.js';

interface Slot {
  used: number;
  /** Epoch ms, or Infinity. */
  expiresAt: number;
}

export interface MemoryQuotaStoreOptions {
  /** How often expired period windows are dropped. Default 60 s. */
  sweepIntervalMs?: number;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
}

/**
 * Quota counters in this process. Each operation runs to its end without awaiting, so it is
 * atomic under any interleaving of concurrent calls.
 */
export class MemoryQuotaStore implements QuotaStore {
  readonly kind = 'memory';
  readonly #slots = new Map<string, Slot>();
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: MemoryQuotaStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Keys held (expired windows count until the next sweep or access). */
  get size(): number {
    return this.#slots.size;
  }

  async reserve(key: string, amount: number, limit: number, expiresAt?: number): Promise<QuotaCount> {
    assertAmount(amount);
    const slot = this.#live(key);
    const used = slot?.used ?? 0;
    if (limit >= 0 && used + amount > limit) return { admitted: false, used };
    const next = used + amount;
    if (slot === undefined) this.#slots.set(key, { used: next, expiresAt: expiresAt ?? Number.POSITIVE_INFINITY });
    else {
      slot.used = next;
      if (expiresAt !== undefined) slot.expiresAt = expiresAt;
    }
    return { admitted: true, used: next };
  }

  async release(key: string, amount: number): Promise<number> {
    assertAmount(amount);
    const slot = this.#live(key);
    if (slot === undefined) return 0;
    slot.used = Math.max(0, slot.used - amount);
    if (slot.used === 0) this.#slots.delete(key);
    return slot.used;
  }

  async usage(key: string): Promise<number> {
    return this.#live(key)?.used ?? 0;
  }

  async set(key: string, value: number): Promise<void> {
    assertAmount(value, 'value');
    if (value === 0) this.#slots.delete(key);
    else {
      const slot = this.#live(key);
      if (slot === undefined) this.#slots.set(key, { used: value, expiresAt: Number.POSITIVE_INFINITY });
      else slot.used = value;
    }
  }

  async reset(key: string): Promise<void> {
    this.#slots.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot !== undefined && slot.expiresAt <= this.#now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, slot] of this.#slots) if (slot.expiresAt <= now) this.#slots.delete(key);
  }
}
