import type { Context, Middleware } from 'koa';
import type { Counter, Registry } from 'prom-client';
import { createToken } from '../di/token.js';
import { clientIp, ipKey } from '../http/client-ip.js';
import { rateLimitedError } from './errors.js';
import {
  appendListField,
  joinedListField,
  LIMIT_FIELD,
  legacyFields,
  POLICY_FIELD,
  policyItem,
  type RateLimitHeaderOptions,
  setLegacyFields,
} from './headers.js';
import { MemoryRateLimitStore } from './memory-store.js';
import { type BoundPolicyMetrics, bindPolicyMetrics, requestsCounter } from './metrics.js';
import { BUILTIN_KEYS, ipMatcher, normalizeCost, type RateLimitKeyFn, type RateLimitPolicy } from './policy.js';
import type { RateLimitStore, WindowCounter, WindowState } from './store.js';
import { validatePolicy, windowsOf } from './validate-policy.js';
import { ceilSeconds, windowLabel } from './window.js';

export interface RateLimiterOptions {
  /** Where counts live. Default: a new `MemoryRateLimitStore` (this process only). */
  store?: RateLimitStore;
  /** Registry for `rate_limit_requests_total{policy,result}`. None: no metrics. */
  metrics?: Registry;
  /** Reverse proxies in front of the app (see `clientIp`). Default 0: `X-Forwarded-For` is ignored. */
  trustedProxyHops?: number;
  /** IPv6 clients are counted per network of this prefix length. Default 64. */
  ipv6Prefix?: number;
  headers?: RateLimitHeaderOptions;
}

/** The answer of `RateLimiter.consume`, for limits outside HTTP middleware (WebSocket messages, jobs). */
export interface RateLimitDecision {
  admitted: boolean;
  policy: string;
  /** The most restrictive window's name as the headers show it (`per-ip`, or `api-1h` with several windows). */
  window: string;
  limit: number;
  remaining: number;
  /** Seconds until that window resets. */
  resetSeconds: number;
  /** Seconds to wait before trying again; 0 when admitted. */
  retryAfterSeconds: number;
  /** Windows over their limit (empty when admitted). */
  violated: string[];
}

interface CompiledWindow {
  readonly counter: WindowCounter;
  /** `counter.consumeSync` bound once, when the store has it. */
  readonly sync: ((key: string, cost: number) => WindowState) | undefined;
  readonly limit: number;
  readonly seconds: number;
  /** The window's name in headers and `violated-policies`. */
  readonly item: string;
  /** `"<item>";r=`: the start of its `RateLimit` item, built once. */
  readonly limitItemStart: string;
}

interface CompiledPolicy {
  readonly name: string;
  readonly signature: string;
  readonly windows: readonly CompiledWindow[];
  /** The only window, when there is one: the common case takes a path without arrays. */
  readonly single: CompiledWindow | undefined;
  readonly keyFn: RateLimitKeyFn | undefined;
  readonly skipMissing: boolean;
  readonly cost: number;
  readonly costFn: ((ctx: Context) => number) | undefined;
  readonly allowIp: ((ip: string) => boolean) | undefined;
  readonly allowKeys: ReadonlySet<string> | undefined;
  readonly allowWhen: ((ctx: Context) => boolean) | undefined;
  /** Every window counts synchronously (memory store). */
  readonly sync: boolean;
  /** The whole `RateLimit-Policy` value of this policy, built once. */
  readonly policyField: string;
  readonly metrics: BoundPolicyMetrics;
}

const fnIds = new WeakMap<object, number>();
let nextFnId = 1;
function fnId(fn: object): number {
  let id = fnIds.get(fn);
  if (id === undefined) {
    id = nextFnId++;
    fnIds.set(fn, id);
  }
  return id;
}

/** Same name and same settings (functions by identity): two guards may then share the policy. */
function signatureOf(policy: RateLimitPolicy): string {
  const fn = (v: unknown) => (typeof v === 'function' ? `fn#${fnId(v)}` : v);
  return JSON.stringify([
    windowsOf(policy),
    fn(policy.key ?? 'ip'),
    policy.missingKey ?? 'ip',
    fn(policy.cost ?? 1),
    policy.allow?.ips ?? [],
    policy.allow?.keys ?? [],
    fn(policy.allow?.when ?? null),
  ]);
}

/**
 * Index of the window to report: of the windows over their limit, the one that frees last (every
 * window must admit, so that is when the client may come back); else the one with the least left.
 */
function mostRestrictive(windows: readonly CompiledWindow[], states: readonly WindowState[]): number {
  let best = 0;
  let bestLeft = windows[0]!.limit - states[0]!.consumedPoints;
  for (let i = 1; i < windows.length; i++) {
    const left = windows[i]!.limit - states[i]!.consumedPoints;
    const ms = states[i]!.msBeforeNext;
    const bestMs = states[best]!.msBeforeNext;
    const better =
      left < 0
        ? bestLeft >= 0 || ms > bestMs
        : bestLeft >= 0 && (left < bestLeft || (left === bestLeft && ms > bestMs));
    if (better) {
      best = i;
      bestLeft = left;
    }
  }
  return best;
}

/**
 * Rate limiting for Koa: named policies over a store, used as middleware (global or per route) or
 * directly. Build one per app (the kernel plugin registers it as `RateLimiterToken`).
 *
 * @example
 * const limiter = new RateLimiter({ trustedProxyHops: 1 });
 * app.use(limiter.middleware({ name: 'per-ip', limit: 100, window: '1m' }));
 * router.post('/login', limiter.middleware({ name: 'login', limit: 5, window: '1m' }), login);
 */
export class RateLimiter {
  readonly store: RateLimitStore;
  readonly #policies = new Map<string, CompiledPolicy>();
  readonly #requests: Counter<'policy' | 'result'> | undefined;
  readonly #ipOptions: { trustedProxyHops: number };
  readonly #ipKeyOptions: { ipv6Prefix: number };
  readonly #standard: boolean;
  readonly #legacy: boolean;
  readonly #onAdmitted: boolean;

  constructor(options: RateLimiterOptions = {}) {
    this.store = options.store ?? new MemoryRateLimitStore();
    this.#requests = options.metrics ? requestsCounter(options.metrics) : undefined;
    const hops = options.trustedProxyHops ?? 0;
    if (!Number.isInteger(hops) || hops < 0)
      throw new TypeError(`trustedProxyHops must be a whole number ≥ 0 (got ${hops})`);
    this.#ipOptions = { trustedProxyHops: hops };
    this.#ipKeyOptions = { ipv6Prefix: options.ipv6Prefix ?? 64 };
    this.#standard = options.headers?.standard ?? true;
    this.#legacy = options.headers?.legacy ?? false;
    this.#onAdmitted = (options.headers?.onAdmitted ?? true) && (this.#standard || this.#legacy);
  }

  /** Names of the policies defined so far. */
  get policies(): string[] {
    return [...this.#policies.keys()];
  }

  /**
   * Define a named policy, to use later by name. Defining the same name again with the same
   * settings is a no-op; with other settings it throws (the two would share counters).
   */
  define(policy: RateLimitPolicy): this {
    this.#compile(policy);
    return this;
  }

  /**
   * Middleware applying policies (inline or by name) in order; each must admit. Use it with
   * `app.use` for every request, or on a route as a guard.
   */
  middleware(...policies: Array<RateLimitPolicy | string>): Middleware {
    if (policies.length === 0) throw new TypeError('middleware() needs at least one policy');
    const compiled = policies.map((p) => (typeof p === 'string' ? this.#named(p) : this.#compile(p)));
    const self = this;
    if (compiled.every((p) => p.sync)) {
      // Counting in this process: a plain function, no promise of its own. A sync throw becomes a
      // rejection in koa-compose, so the error boundary answers it like any other.
      if (compiled.length === 1) {
        const only = compiled[0]!;
        return function rateLimitMiddleware(ctx, next) {
          self.#checkSync(ctx, only);
          return next();
        };
      }
      return function rateLimitMiddleware(ctx, next) {
        for (let i = 0; i < compiled.length; i++) self.#checkSync(ctx, compiled[i]!);
        return next();
      };
    }
    return async function rateLimitMiddleware(ctx, next) {
      for (let i = 0; i < compiled.length; i++) {
        const p = compiled[i]!;
        if (p.sync) {
          self.#checkSync(ctx, p);
          continue;
        }
        const key = self.#keyOf(ctx, p);
        if (key === undefined) continue;
        const cost = p.costFn === undefined ? p.cost : normalizeCost(p.costFn(ctx));
        if (cost === 0) continue;
        const w = p.single;
        if (w !== undefined) {
          self.#settleOne(ctx, p, w, await w.counter.consume(key, cost));
        } else {
          const pending: Array<Promise<WindowState>> = new Array(p.windows.length);
          for (let j = 0; j < p.windows.length; j++) pending[j] = p.windows[j]!.counter.consume(key, cost);
          self.#settleMany(ctx, p, await Promise.all(pending));
        }
      }
      return next();
    };
  }

  /**
   * Count `cost` points for `key` under a named policy, outside HTTP (a WebSocket message, a job).
   * The key is used as given (`'principal:42'`, `'ip:203.0.113.7'`). Nothing is thrown when over.
   */
  async consume(policy: string, key: string, cost = 1): Promise<RateLimitDecision> {
    const p = this.#named(policy);
    const points = normalizeCost(cost);
    const states = await Promise.all(p.windows.map((w) => w.counter.consume(key, points)));
    const i = mostRestrictive(p.windows, states);
    const w = p.windows[i]!;
    const s = states[i]!;
    const violated = p.windows.filter((win, j) => states[j]!.consumedPoints > win.limit).map((win) => win.item);
    const admitted = violated.length === 0;
    (admitted ? p.metrics.admitted : p.metrics.rejected).inc();
    return {
      admitted,
      policy: p.name,
      window: w.item,
      limit: w.limit,
      remaining: Math.max(0, w.limit - s.consumedPoints),
      resetSeconds: ceilSeconds(s.msBeforeNext),
      retryAfterSeconds: admitted ? 0 : Math.max(1, ceilSeconds(s.msBeforeNext)),
      violated,
    };
  }

  /** Forget a key's counts in every window of a named policy. */
  async reset(policy: string, key: string): Promise<void> {
    await Promise.all(this.#named(policy).windows.map((w) => w.counter.reset(key)));
  }

  #named(name: string): CompiledPolicy {
    const p = this.#policies.get(name);
    if (p === undefined) {
      const known = this.policies.join(', ') || 'none';
      throw new TypeError(`No rate limit policy named "${name}" (defined: ${known})`);
    }
    return p;
  }

  #compile(policy: RateLimitPolicy): CompiledPolicy {
    validatePolicy(policy);
    const signature = signatureOf(policy);
    const existing = this.#policies.get(policy.name);
    if (existing !== undefined) {
      if (existing.signature === signature) return existing;
      throw new TypeError(
        `A different rate limit policy named "${policy.name}" is already defined; names must be unique`,
      );
    }
    const specs = windowsOf(policy);
    const many = specs.length > 1;
    const windows = specs.map(({ limit, seconds }): CompiledWindow => {
      const label = windowLabel(seconds);
      const item = many ? `${policy.name}-${label}` : policy.name;
      const counter = this.store.counter({ namespace: `rl:${policy.name}:${label}`, limit, seconds });
      return {
        counter,
        sync: counter.consumeSync?.bind(counter),
        limit,
        seconds,
        item,
        limitItemStart: `"${item}";r=`,
      };
    });
    const { key, cost, allow } = policy;
    const compiled: CompiledPolicy = {
      name: policy.name,
      signature,
      windows,
      single: windows.length === 1 ? windows[0] : undefined,
      keyFn: typeof key === 'function' ? key : key === undefined || key === 'ip' ? undefined : BUILTIN_KEYS[key],
      skipMissing: policy.missingKey === 'skip',
      cost: typeof cost === 'number' ? cost : 1,
      costFn: typeof cost === 'function' ? cost : undefined,
      allowIp: allow?.ips && allow.ips.length > 0 ? ipMatcher(allow.ips) : undefined,
      allowKeys: allow?.keys && allow.keys.length > 0 ? new Set(allow.keys) : undefined,
      allowWhen: allow?.when,
      sync: windows.every((w) => w.sync !== undefined),
      policyField: windows.map((w) => policyItem(w.item, w.limit, w.seconds)).join(', '),
      metrics: bindPolicyMetrics(this.#requests, policy.name),
    };
    this.#policies.set(policy.name, compiled);
    return compiled;
  }

  #lastIp: string | undefined;
  #lastIpKey = 'ip:unknown';

  #ipKey(ip: string | undefined): string {
    if (ip === this.#lastIp) return this.#lastIpKey;
    // One entry is enough: a keep-alive socket gives the same address string for each of its
    // requests, and the same key string keeps its cached hash for the counter's Map lookup.
    const key = ip === undefined ? 'ip:unknown' : `ip:${ipKey(ip, this.#ipKeyOptions)}`;
    this.#lastIp = ip;
    this.#lastIpKey = key;
    return key;
  }

  /** The key to count this request under, or `undefined` when the policy does not apply to it. */
  #keyOf(ctx: Context, p: CompiledPolicy): string | undefined {
    if (p.allowWhen?.(ctx)) return undefined;
    let ip: string | undefined;
    if (p.allowIp !== undefined) {
      ip = clientIp(ctx, this.#ipOptions);
      if (ip !== undefined && p.allowIp(ip)) return undefined;
    }
    let key = p.keyFn === undefined ? undefined : p.keyFn(ctx);
    // '' is what `ctx.get()` gives for a missing header: no key, not one key shared by everyone.
    if (key === undefined || key === '') {
      if (p.keyFn !== undefined && p.skipMissing) return undefined;
      key = this.#ipKey(ip ?? clientIp(ctx, this.#ipOptions));
    }
    return p.allowKeys?.has(key) ? undefined : key;
  }

  /** The hot path for stores in this process: no promise, no closure, no array for one window. */
  #checkSync(ctx: Context, p: CompiledPolicy): void {
    const key = this.#keyOf(ctx, p);
    if (key === undefined) return;
    const cost = p.costFn === undefined ? p.cost : normalizeCost(p.costFn(ctx));
    if (cost === 0) return;
    const w = p.single;
    if (w !== undefined) {
      this.#settleOne(ctx, p, w, w.sync!(key, cost));
      return;
    }
    const states: WindowState[] = new Array(p.windows.length);
    for (let i = 0; i < p.windows.length; i++) states[i] = p.windows[i]!.sync!(key, cost);
    this.#settleMany(ctx, p, states);
  }

  /** Admit (count, headers) or throw `RATE_LIMITED`, for a one-window policy. */
  #settleOne(ctx: Context, p: CompiledPolicy, w: CompiledWindow, s: WindowState): void {
    if (s.consumedPoints > w.limit) this.#reject(ctx, p, [s]);
    p.metrics.admitted.inc();
    if (this.#onAdmitted) this.#setAdmittedHeaders(ctx, p, w, s);
  }

  #settleMany(ctx: Context, p: CompiledPolicy, states: readonly WindowState[]): void {
    for (let i = 0; i < states.length; i++) {
      if (states[i]!.consumedPoints > p.windows[i]!.limit) this.#reject(ctx, p, states);
    }
    p.metrics.admitted.inc();
    if (this.#onAdmitted) {
      const i = mostRestrictive(p.windows, states);
      this.#setAdmittedHeaders(ctx, p, p.windows[i]!, states[i]!);
    }
  }

  #setAdmittedHeaders(ctx: Context, p: CompiledPolicy, w: CompiledWindow, s: WindowState): void {
    const remaining = w.limit - s.consumedPoints;
    if (this.#standard) {
      appendListField(ctx, POLICY_FIELD, p.policyField);
      appendListField(ctx, LIMIT_FIELD, `${w.limitItemStart}${remaining};t=${ceilSeconds(s.msBeforeNext)}`);
    }
    if (this.#legacy) setLegacyFields(ctx, w.limit, remaining, s.msBeforeNext);
  }

  #reject(ctx: Context, p: CompiledPolicy, states: readonly WindowState[]): never {
    p.metrics.rejected.inc();
    const i = mostRestrictive(p.windows, states);
    const w = p.windows[i]!;
    const s = states[i]!;
    const reset = ceilSeconds(s.msBeforeNext);
    // Retry-After never points before the reset (draft-11 §6), and is at least 1 s.
    const retryAfter = Math.max(1, reset);
    const headers: Record<string, string> = { 'Retry-After': String(retryAfter) };
    if (this.#standard) {
      // The error boundary clears the response's headers, so an earlier policy's items are carried over here.
      headers[POLICY_FIELD] = joinedListField(ctx, POLICY_FIELD, p.policyField);
      headers[LIMIT_FIELD] = joinedListField(ctx, LIMIT_FIELD, `${w.limitItemStart}0;t=${reset}`);
    }
    if (this.#legacy) Object.assign(headers, legacyFields(w.limit, 0, s.msBeforeNext));
    const violated: string[] = [];
    for (let j = 0; j < states.length; j++) {
      if (states[j]!.consumedPoints > p.windows[j]!.limit) violated.push(p.windows[j]!.item);
    }
    throw rateLimitedError(`Rate limit "${p.name}" exceeded; retry in ${retryAfter} s`, headers, {
      policy: p.name,
      // draft-11 §5.1 names the exceeded policies in this member.
      'violated-policies': violated,
      retryAfter,
    });
  }
}

/** The app's rate limiter (registered by `rateLimitPlugin`). */
export const RateLimiterToken = createToken<RateLimiter>('RateLimiter', { global: true });
