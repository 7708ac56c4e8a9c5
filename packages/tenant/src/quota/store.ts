/** A counter's answer to a reservation. */
export interface QuotaCount {
  /** Whether the amount fit under the limit (and was added). */
  readonly admitted: boolean;
  /** The count after the call: with the amount when admitted, without it when refused. */
  readonly used: number;
}

/**
 * Where quota counters live. Every operation is atomic on one key: a reservation that does not
 * fit is refused without being counted, however many processes race for the last unit. `memory`
 * counts in this process; `redis` across every process sharing the Redis. Both pass
 * `test/quota/store.contract.ts`.
 */
export interface QuotaStore {
  /** `memory`, `redis`, or your own. */
  readonly kind: string;
  /**
   * Add `amount` (a whole number ≥ 0) to `key` when `used + amount <= limit`; refuse otherwise
   * and count nothing. `limit` < 0 means no limit. With `expiresAt` (epoch ms) the key goes away
   * then (period windows); without it, it stays (gauges).
   */
  reserve(key: string, amount: number, limit: number, expiresAt?: number): Promise<QuotaCount>;
  /** Take `amount` off `key`, never below 0; answers the count after it. */
  release(key: string, amount: number): Promise<number>;
  /** The count of `key` (0 when it has none). */
  usage(key: string): Promise<number>;
  /** Set the count (to reconcile a gauge with reality, e.g. bytes actually stored). */
  set(key: string, value: number): Promise<void>;
  /** Forget the key. */
  reset(key: string): Promise<void>;
  /** Stop timers; never closes a connection the store did not open. */
  close(): Promise<void>;
}

/** Amounts are whole units (requests, bytes, seats): Redis counts integers. */
export function assertAmount(amount: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new TypeError(`A quota ${what} must be a whole number ≥ 0; got ${amount}`);
  }
}
