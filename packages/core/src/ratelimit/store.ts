import { createToken } from '../di/token.js';

/** One fixed window of one policy (or one brute-force counter), as a store sees it. */
export interface WindowSpec {
  /** Key namespace of this window, e.g. `rl:per-ip:1m`. A counted key is `<namespace>:<key>`. */
  readonly namespace: string;
  /** Points admitted per window. */
  readonly limit: number;
  /** Window length in whole seconds. */
  readonly seconds: number;
}

/**
 * A key's count in its current window. Field names are rate-limiter-flexible's, so its
 * `RateLimiterRes` is returned as is on the hot path (no copy per request).
 */
export interface WindowState {
  /** Points counted in the current window, the current request included. Over `limit`: rejected. */
  readonly consumedPoints: number;
  /** Milliseconds until the window (or a block) ends. */
  readonly msBeforeNext: number;
}

/** The counters of one window. Over-limit is a normal answer (`consumedPoints > limit`), not a rejection. */
export interface WindowCounter {
  readonly spec: WindowSpec;
  /** Add `cost` points to `key` in the current window (atomically) and answer the count after it. */
  consume(key: string, cost: number): Promise<WindowState>;
  /**
   * The same, synchronously, for stores in this process. When every window of a middleware has it,
   * the limiter runs as a plain function: no promise, no microtask per request.
   */
  consumeSync?(key: string, cost: number): WindowState;
  /** The key's count, or `undefined` when it has none in the current window. */
  get(key: string): Promise<WindowState | undefined>;
  /** Set the key over its limit for `ms` (rounded up to whole seconds, at least 1 s). */
  block(key: string, ms: number): Promise<void>;
  /** Forget the key's count (and block). */
  reset(key: string): Promise<void>;
}

/**
 * Where rate-limit counts live. `memory` counts per process; `redis` counts across every process
 * sharing the Redis. Both pass `test/ratelimit/store.contract.ts`.
 */
export interface RateLimitStore {
  /** `memory`, `redis`, or your own. Used as the `store` label of store metrics. */
  readonly kind: string;
  /** The counter for one window. Called once per window at setup, never per request. */
  counter(spec: WindowSpec): WindowCounter;
  /** Whether counts are shared with other processes right now (false while Redis is down). */
  readonly healthy: boolean;
  /** Stop timers; never closes a connection the store did not open. */
  close(): Promise<void>;
}

/** The rate-limit store of the app (set by `rateLimitPlugin`), for other packages' counters. */
export const RateLimitStoreToken = createToken<RateLimitStore>('RateLimitStore', { global: true });
