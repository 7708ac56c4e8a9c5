import type { RateLimitStore, WindowCounter, WindowSpec, WindowState } from './store.js';

/** Whole seconds of a block, at least 1: a 0-second `SET … EX` in Redis would never expire. */
export function blockSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

interface Entry {
  count: number;
  expiresAt: number;
}

/**
 * One window counted in this process: a fixed window per key that starts with the key's first
 * point, as rate-limiter-flexible's `RateLimiterMemory` counts, but synchronous. `consumeSync` is
 * what lets the limiter run a plain (non-async) middleware: measured in bench/suites/ratelimit.mjs,
 * `RateLimiterMemory.consume` costs a promise and a microtask per call, and a timer per key and
 * window; here expired entries are dropped when next touched and by a sweep that runs only while
 * the map is not empty.
 */
export class MemoryWindowCounter implements WindowCounter {
  readonly spec: WindowSpec;
  readonly #entries = new Map<string, Entry>();
  readonly #windowMs: number;
  readonly #sweepMs: number;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(spec: WindowSpec) {
    this.spec = spec;
    this.#windowMs = spec.seconds * 1000;
    this.#sweepMs = Math.min(Math.max(this.#windowMs, 1000), 60_000);
  }

  /** Keys with a count now (expired ones may linger until the next sweep). */
  get size(): number {
    return this.#entries.size;
  }

  consumeSync(key: string, cost: number): WindowState {
    const now = Date.now();
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + this.#windowMs };
      this.#entries.set(key, entry);
      if (this.#sweeper === undefined) this.#startSweeper();
    }
    entry.count += cost;
    return { consumedPoints: entry.count, msBeforeNext: entry.expiresAt - now };
  }

  consume(key: string, cost: number): Promise<WindowState> {
    return Promise.resolve(this.consumeSync(key, cost));
  }

  async get(key: string): Promise<WindowState | undefined> {
    const entry = this.#entries.get(key);
    const now = Date.now();
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    return { consumedPoints: entry.count, msBeforeNext: entry.expiresAt - now };
  }

  async block(key: string, ms: number): Promise<void> {
    this.#entries.set(key, { count: this.spec.limit + 1, expiresAt: Date.now() + blockSeconds(ms) * 1000 });
    if (this.#sweeper === undefined) this.#startSweeper();
  }

  async reset(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Stop the sweep and forget every count. */
  clear(): void {
    this.#entries.clear();
    this.#stopSweeper();
  }

  #startSweeper(): void {
    this.#sweeper = setInterval(() => this.#sweep(), this.#sweepMs);
    this.#sweeper.unref();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    if (this.#entries.size === 0) this.#stopSweeper();
  }
}

/**
 * Counts in this process only: the default, and right for one process. With several processes
 * each counts on its own, so N processes admit up to N × the limit; use the Redis store there.
 *
 * @example
 * const limiter = new RateLimiter({ store: new MemoryRateLimitStore() });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory';
  readonly healthy = true;
  readonly #counters = new Map<string, MemoryWindowCounter>();

  /** One counter per namespace: two limiters on one store share counts, as they do in Redis. */
  counter(spec: WindowSpec): MemoryWindowCounter {
    let counter = this.#counters.get(spec.namespace);
    if (counter === undefined) {
      counter = new MemoryWindowCounter(spec);
      this.#counters.set(spec.namespace, counter);
    }
    return counter;
  }

  async close(): Promise<void> {
    for (const counter of this.#counters.values()) counter.clear();
  }
}
