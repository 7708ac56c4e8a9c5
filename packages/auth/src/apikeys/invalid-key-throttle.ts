import { CoreErrors, ipKey, MemoryRateLimitStore, type RateLimitStore, type WindowCounter } from '@koaforge/core';

export interface InvalidKeyThrottleOptions {
  /** Where counts live. Default: a memory store; pass the app's `RateLimitStoreToken` store to share them. */
  store?: RateLimitStore;
  /** Invalid keys one IP may present per window before it gets 429s. Default 20. */
  maxInvalidPerIp?: number;
  /** Window length in seconds. Default 300. */
  windowSeconds?: number;
  /** IPv6 clients are counted per network of this prefix length. Default 64. */
  ipv6Prefix?: number;
}

/**
 * A per-IP budget of invalid API keys. `check` runs before anything else of a verification (so a
 * blocked IP costs no parsing and no store lookup) and answers `RATE_LIMITED` (429, `Retry-After`)
 * once the budget is spent; `fail` spends one unit. Valid keys spend nothing.
 */
export class InvalidKeyThrottle {
  readonly #counter: WindowCounter;
  readonly #max: number;
  readonly #ipv6Prefix: number;

  constructor(options: InvalidKeyThrottleOptions = {}) {
    this.#max = options.maxInvalidPerIp ?? 20;
    const seconds = options.windowSeconds ?? 300;
    if (!Number.isInteger(this.#max) || this.#max < 1) {
      throw new TypeError(`maxInvalidPerIp must be a whole number ≥ 1 (got ${this.#max})`);
    }
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new TypeError(`windowSeconds must be a whole number ≥ 1 (got ${seconds})`);
    }
    this.#ipv6Prefix = options.ipv6Prefix ?? 64;
    const store = options.store ?? new MemoryRateLimitStore();
    this.#counter = store.counter({ namespace: `apikey-invalid:${seconds}s`, limit: this.#max, seconds });
  }

  #key(ip: string | undefined): string {
    return ip === undefined ? 'ip:unknown' : `ip:${ipKey(ip, { ipv6Prefix: this.#ipv6Prefix })}`;
  }

  /** Throws `RATE_LIMITED` when this IP has spent its budget of invalid keys. */
  async check(ip: string | undefined): Promise<void> {
    const state = await this.#counter.get(this.#key(ip));
    if (state !== undefined && state.consumedPoints >= this.#max) {
      const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
      throw CoreErrors.RATE_LIMITED('Too many invalid API keys; retry later', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
  }

  /** Count one invalid key from this IP. */
  async fail(ip: string | undefined): Promise<void> {
    await this.#counter.consume(this.#key(ip), 1);
  }
}
