import { createHash } from 'node:crypto';
import type { KoaforgeError } from '../errors/catalogue.js';
import { ipKey, normalizeIp } from '../http/client-ip.js';
import { rateLimitedError } from './errors.js';
import { MemoryRateLimitStore } from './memory-store.js';
import { assertPolicyName } from './policy.js';
import type { RateLimitStore, WindowCounter, WindowState } from './store.js';
import { ceilSeconds, type WindowInput, windowSeconds } from './window.js';

export interface BruteForceGuardOptions {
  /** Where failures are counted. Default: a new memory store; pass the app's (`RateLimitStoreToken`) to share across processes. */
  store?: RateLimitStore;
  /** Names the guard in keys (`bf:<name>:…`). Default `login`. */
  name?: string;
  /** Consecutive failures of one account from one IP before that pair is blocked. Default 5. */
  maxFailuresPerAccount?: number;
  /** Failures from one IP, over every account, before the IP is blocked. Default 100. */
  maxFailuresPerIp?: number;
  /** How long failures are remembered. Default `1d`. */
  failureWindow?: WindowInput;
  /** The first block. Default `1m`. */
  block?: WindowInput;
  /** Each further block within `strikeWindow` lasts this many times the previous one. Default 2. */
  blockFactor?: number;
  /** The longest block. Default `1d`. */
  maxBlock?: WindowInput;
  /** How long past blocks count toward the growth. Default `1d`. */
  strikeWindow?: WindowInput;
  /** IPv6 clients are counted per network of this prefix length. Default 64. */
  ipv6Prefix?: number;
}

export interface BruteForceState {
  /** Whether the (account, ip) pair or the ip is blocked now. */
  blocked: boolean;
  /** Seconds until the block ends (0 when not blocked). */
  retryAfterSeconds: number;
  /** Consecutive failures of this (account, ip) pair, this one included. */
  failures: number;
}

const UNLIMITED = 1_000_000_000;

/** Milliseconds a state is still blocked for (over the limit), else 0. */
function blockedMs(state: WindowState | undefined, limit: number): number {
  return state !== undefined && state.consumedPoints > limit ? state.msBeforeNext : 0;
}

/**
 * Slows down password guessing on login-like routes. Failures are counted per (account, ip) and
 * per ip alone; reaching a threshold blocks for a while, and every further block within
 * `strikeWindow` lasts `blockFactor` times longer (1 min, 2 min, 4 min … up to `maxBlock`). A
 * success clears the (account, ip) failures and growth, not the ip's: one valid account must not
 * let an attacker reset the counter of the IP it guesses other accounts from.
 *
 * Accounts are hashed before they go into keys (no e-mail addresses in Redis); normalise them
 * (e.g. lower-case e-mails) before calling. Failures are counted after the password check, so a
 * burst of parallel attempts can pass `check` before the first failure lands: pair the guard with
 * a `rateLimit` policy on the route.
 *
 * @example
 * const guard = new BruteForceGuard({ store }); // the app's RateLimitStoreToken to share it
 * router.post('/login', async (ctx) => {
 *   const { email, password } = ctx.request.body;
 *   const ip = clientIp(ctx, { trustedProxyHops: 1 });
 *   await guard.check(email, ip);                 // throws RATE_LIMITED (429, Retry-After) when blocked
 *   if (!(await users.verify(email, password))) {
 *     await guard.fail(email, ip);
 *     throw AuthErrors.AUTH_INVALID_CREDENTIALS();
 *   }
 *   await guard.succeed(email, ip);
 * });
 */
export class BruteForceGuard {
  readonly name: string;
  readonly #maxPair: number;
  readonly #maxIp: number;
  readonly #pairFails: WindowCounter;
  readonly #ipFails: WindowCounter;
  readonly #pairStrikes: WindowCounter;
  readonly #ipStrikes: WindowCounter;
  readonly #blockMs: number;
  readonly #factor: number;
  readonly #maxBlockMs: number;
  readonly #ipv6Prefix: number;

  constructor(options: BruteForceGuardOptions = {}) {
    this.name = options.name ?? 'login';
    assertPolicyName(this.name);
    const store = options.store ?? new MemoryRateLimitStore();
    this.#maxPair = options.maxFailuresPerAccount ?? 5;
    this.#maxIp = options.maxFailuresPerIp ?? 100;
    for (const [k, v] of [
      ['maxFailuresPerAccount', this.#maxPair],
      ['maxFailuresPerIp', this.#maxIp],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new TypeError(`BruteForceGuard ${k} must be a whole number ≥ 1 (got ${v})`);
    }
    this.#factor = options.blockFactor ?? 2;
    if (!(this.#factor >= 1)) throw new TypeError(`BruteForceGuard blockFactor must be ≥ 1 (got ${this.#factor})`);
    this.#blockMs = windowSeconds(options.block ?? '1m') * 1000;
    this.#maxBlockMs = Math.max(this.#blockMs, windowSeconds(options.maxBlock ?? '1d') * 1000);
    this.#ipv6Prefix = options.ipv6Prefix ?? 64;
    const failSeconds = windowSeconds(options.failureWindow ?? '1d');
    const strikeSeconds = windowSeconds(options.strikeWindow ?? '1d');
    const ns = `bf:${this.name}`;
    this.#pairFails = store.counter({ namespace: `${ns}:pair`, limit: this.#maxPair, seconds: failSeconds });
    this.#ipFails = store.counter({ namespace: `${ns}:ip`, limit: this.#maxIp, seconds: failSeconds });
    this.#pairStrikes = store.counter({ namespace: `${ns}:pair-strikes`, limit: UNLIMITED, seconds: strikeSeconds });
    this.#ipStrikes = store.counter({ namespace: `${ns}:ip-strikes`, limit: UNLIMITED, seconds: strikeSeconds });
  }

  /** Throws `RATE_LIMITED` (429, `Retry-After`) while the (account, ip) pair or the ip is blocked. */
  async check(account: string, ip: string | undefined): Promise<void> {
    const { pair, byIp } = this.#keys(account, ip);
    const [p, i] = await Promise.all([this.#pairFails.get(pair), this.#ipFails.get(byIp)]);
    const waitMs = Math.max(blockedMs(p, this.#maxPair), blockedMs(i, this.#maxIp));
    if (waitMs > 0) throw this.#blockedError(waitMs);
  }

  /** Count a failed attempt; blocks the pair or the ip when this failure reaches its threshold. */
  async fail(account: string, ip: string | undefined): Promise<BruteForceState> {
    const { pair, byIp } = this.#keys(account, ip);
    const [p, i] = await Promise.all([this.#pairFails.consume(pair, 1), this.#ipFails.consume(byIp, 1)]);
    const [pairMs, ipMs] = await Promise.all([
      this.#blockIfReached(p, this.#maxPair, this.#pairFails, this.#pairStrikes, pair),
      this.#blockIfReached(i, this.#maxIp, this.#ipFails, this.#ipStrikes, byIp),
    ]);
    const waitMs = Math.max(pairMs, ipMs);
    return { blocked: waitMs > 0, retryAfterSeconds: ceilSeconds(waitMs), failures: p.consumedPoints };
  }

  /** A successful attempt: forget the pair's failures and block growth (the ip's count stays). */
  async succeed(account: string, ip: string | undefined): Promise<void> {
    const { pair } = this.#keys(account, ip);
    await Promise.all([this.#pairFails.reset(pair), this.#pairStrikes.reset(pair)]);
  }

  /** The error `check` throws, for callers that decide on `fail`'s answer themselves. */
  blockedError(retryAfterSeconds: number): KoaforgeError {
    return this.#blockedError(retryAfterSeconds * 1000);
  }

  #blockedError(waitMs: number): KoaforgeError {
    const retryAfter = Math.max(1, ceilSeconds(waitMs));
    return rateLimitedError(
      `Too many failed attempts; retry in ${retryAfter} s`,
      { 'Retry-After': String(retryAfter) },
      { policy: `bf:${this.name}`, retryAfter },
    );
  }

  /**
   * Exactly one failure sees the count reach the threshold (the store increments atomically): that
   * one sets the block, growing with the number of earlier blocks in the strike window.
   */
  async #blockIfReached(
    state: WindowState,
    limit: number,
    fails: WindowCounter,
    strikes: WindowCounter,
    key: string,
  ): Promise<number> {
    if (state.consumedPoints < limit) return 0;
    if (state.consumedPoints > limit) return state.msBeforeNext; // already blocked
    const strike = await strikes.consume(key, 1);
    const ms = Math.min(this.#blockMs * this.#factor ** (strike.consumedPoints - 1), this.#maxBlockMs);
    await fails.block(key, ms);
    return Math.max(1000, Math.ceil(ms / 1000) * 1000);
  }

  #keys(account: string, ip: string | undefined): { pair: string; byIp: string } {
    const normal = normalizeIp(ip);
    const byIp = normal === undefined ? 'unknown' : ipKey(normal, { ipv6Prefix: this.#ipv6Prefix });
    // Hashed: account names are personal data and have no business in Redis key listings.
    const hashed = createHash('sha256').update(account).digest('base64url').slice(0, 22);
    return { pair: `${hashed}:${byIp}`, byIp };
  }
}
