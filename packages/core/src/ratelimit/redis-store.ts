import type { Registry } from 'prom-client';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { lazyModule } from '../lazy-module.js';
import type { Logger } from '../logging/index.js';
import type { RedisClient, RedisConnection } from '../redis/connection.js';
import { rateLimitUnavailableError } from './errors.js';
import { blockSeconds, MemoryWindowCounter } from './memory-store.js';
import { type StoreMetrics, storeMetrics } from './metrics.js';
import type { RateLimitStore, WindowCounter, WindowSpec, WindowState } from './store.js';

const flexible = lazyModule<typeof import('rate-limiter-flexible')>('rate-limiter-flexible');

/**
 * What limits do while Redis cannot answer:
 * - `insurance` (default): each process counts in memory, with `insuranceShare` of every limit;
 * - `open`: every request is admitted;
 * - `closed`: every limited request is answered 503 `RATE_LIMIT_UNAVAILABLE`.
 */
export type StoreDownMode = 'insurance' | 'open' | 'closed';

export interface RedisRateLimitStoreOptions {
  /** The app's shared connection (`RedisConnectionToken`); its `keyPrefix` starts every key. */
  connection: RedisConnection;
  /** Default `insurance`. */
  onStoreDown?: StoreDownMode;
  /**
   * Longest wait for one Redis answer before the operation falls back. Default 200 ms: long
   * enough that event-loop lag under load does not fake an outage (a false timeout counts the
   * request twice, never zero times), short enough that an outage does not stall requests.
   */
  timeoutMs?: number;
  /** While Redis is down, one operation per interval tries it again; the others fall back at once. Default 1000 ms. */
  probeIntervalMs?: number;
  /**
   * Share of each limit a process admits on its own while Redis is down (insurance mode). Default
   * 1: every process admits the full limit, so N processes admit up to N × the limit. Set 1/N to
   * keep the total near the limit.
   */
  insuranceShare?: number;
  logger?: Logger;
  /** Registry for `rate_limit_store_fallback_total` and `rate_limit_store_up`. */
  metrics?: Registry;
}

/** ioredis states of a client that has not connected yet (lazyConnect) or is connecting for the first time. */
const FIRST_CONNECT = new Set(['wait', 'connecting', 'connect']);

/** Whether Redis answers; shared by every counter of one store, so an outage is noticed once. */
class RedisAvailability {
  readonly #client: RedisClient;
  readonly #log: Logger | undefined;
  readonly #metrics: StoreMetrics;
  readonly #probeIntervalMs: number;
  readonly #mode: StoreDownMode;
  #up = true;
  #downSince = 0;
  #retryAt = 0;
  #probing = false;
  #everReady = false;

  constructor(
    client: RedisClient,
    log: Logger | undefined,
    metrics: StoreMetrics,
    probeMs: number,
    mode: StoreDownMode,
  ) {
    this.#client = client;
    this.#log = log;
    this.#metrics = metrics;
    this.#probeIntervalMs = probeMs;
    this.#mode = mode;
  }

  get up(): boolean {
    return this.#up && this.#client.status === 'ready';
  }

  /**
   * Whether this operation may go to Redis. Not while a connection that was ready is reconnecting:
   * ioredis would queue the command until it reconnects, and the request would wait with it. The
   * first connection of a lazy client is different: its first command is what opens it, so that
   * one goes through (bounded by `timeoutMs`, like every command).
   */
  tryRedis(): boolean {
    const status = this.#client.status;
    if (status !== 'ready') {
      if (!this.#everReady && this.#up && FIRST_CONNECT.has(status)) return true;
      if (this.#up) this.#markDown(`connection ${status}`);
      return false;
    }
    this.#everReady = true;
    if (this.#up) return true;
    if (this.#probing || Date.now() < this.#retryAt) return false;
    this.#probing = true;
    return true;
  }

  answered(): void {
    this.#probing = false;
    if (this.#up) return;
    this.#up = true;
    this.#metrics.up(true);
    this.#log?.info(
      { store: 'redis', downMs: Date.now() - this.#downSince },
      'rate limit store answers again: limits are shared across processes again',
    );
  }

  failed(err: unknown): void {
    this.#probing = false;
    this.#retryAt = Date.now() + this.#probeIntervalMs;
    if (this.#up) this.#markDown(err instanceof Error ? err.message : String(err));
  }

  #markDown(reason: string): void {
    this.#up = false;
    this.#downSince = Date.now();
    this.#metrics.up(false);
    const what = {
      insurance: 'limiting per process with insurance limits',
      open: 'admitting every request (onStoreDown: open)',
      closed: 'answering 503 to limited requests (onStoreDown: closed)',
    }[this.#mode];
    this.#log?.warn({ store: 'redis', mode: this.#mode, reason }, `rate limit store is down: ${what} until it answers`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** How one window answers while Redis is down. */
interface Fallback {
  consume(key: string, cost: number): Promise<WindowState>;
  get(key: string): Promise<WindowState | undefined>;
  block(key: string, ms: number): Promise<void>;
  reset(key: string): Promise<void>;
}

function makeFallback(spec: WindowSpec, mode: StoreDownMode, share: number, metrics: StoreMetrics): Fallback {
  if (mode === 'open') {
    const open: WindowState = Object.freeze({ consumedPoints: 0, msBeforeNext: spec.seconds * 1000 });
    return {
      consume: async () => {
        metrics.fallback('open');
        return open;
      },
      get: async () => {
        metrics.fallback('open');
        return undefined;
      },
      block: async () => metrics.fallback('open'),
      reset: async () => metrics.fallback('open'),
    };
  }
  if (mode === 'closed') {
    const fail = async (): Promise<never> => {
      metrics.fallback('closed');
      throw rateLimitUnavailableError(new Error('rate limit store is down'));
    };
    return { consume: fail, get: fail, block: fail, reset: fail };
  }
  // Insurance: count in memory against `share` of the limit, and report counts on the scale of the
  // full limit so that the limiter's `consumed > limit` test and the headers stay right.
  const localLimit = Math.max(1, Math.floor(spec.limit * share));
  const memory = new MemoryWindowCounter({ ...spec, limit: localLimit });
  const ratio = spec.limit / localLimit;
  const scale = (s: WindowState): WindowState =>
    ratio === 1 ? s : { consumedPoints: Math.ceil(s.consumedPoints * ratio), msBeforeNext: s.msBeforeNext };
  return {
    consume: (key, cost) => {
      metrics.fallback('insurance');
      return memory.consume(key, cost).then(scale);
    },
    get: (key) => {
      metrics.fallback('insurance');
      return memory.get(key).then((s) => (s === undefined ? undefined : scale(s)));
    },
    block: (key, ms) => {
      metrics.fallback('insurance');
      return memory.block(key, ms);
    },
    reset: (key) => {
      metrics.fallback('insurance');
      return memory.reset(key);
    },
  };
}

class RedisWindowCounter implements WindowCounter {
  readonly spec: WindowSpec;
  readonly #redis: RateLimiterRedis;
  readonly #fallback: Fallback;
  readonly #link: RedisAvailability;
  readonly #timeoutMs: number;

  constructor(
    spec: WindowSpec,
    redis: RateLimiterRedis,
    fallback: Fallback,
    link: RedisAvailability,
    timeoutMs: number,
  ) {
    this.spec = spec;
    this.#redis = redis;
    this.#fallback = fallback;
    this.#link = link;
    this.#timeoutMs = timeoutMs;
  }

  consume(key: string, cost: number): Promise<WindowState> {
    if (!this.#link.tryRedis()) return this.#fallback.consume(key, cost);
    return withTimeout(this.#redis.consume(key, cost), this.#timeoutMs).then(
      (res) => {
        this.#link.answered();
        return res;
      },
      (reason: unknown) => {
        if (reason instanceof flexible().RateLimiterRes) {
          // rate-limiter-flexible rejects over-limit consumes with the count; ours answer it.
          this.#link.answered();
          return reason;
        }
        this.#link.failed(reason);
        return this.#fallback.consume(key, cost);
      },
    );
  }

  get(key: string): Promise<WindowState | undefined> {
    return this.#run(
      () => this.#redis.get(key).then((r) => (r !== null && r.msBeforeNext > 0 ? r : undefined)),
      () => this.#fallback.get(key),
    );
  }

  block(key: string, ms: number): Promise<void> {
    return this.#run(
      () => this.#redis.block(key, blockSeconds(ms)).then(() => undefined),
      () => this.#fallback.block(key, ms),
    );
  }

  async reset(key: string): Promise<void> {
    // Counts made during an outage live in the insurance memory; forget them too.
    await this.#run(
      () => this.#redis.delete(key).then(() => undefined),
      () => Promise.resolve(),
    );
    await this.#fallback.reset(key).catch(() => undefined);
  }

  #run<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!this.#link.tryRedis()) return fallback();
    return withTimeout(op(), this.#timeoutMs).then(
      (value) => {
        this.#link.answered();
        return value;
      },
      (err: unknown) => {
        this.#link.failed(err);
        return fallback();
      },
    );
  }
}

/**
 * Counts in Redis, shared by every process of the app, with rate-limiter-flexible's atomic
 * `RateLimiterRedis` (one Lua script per consume). Keys are `<connection prefix>rl:<policy>:<window>:<key>`.
 *
 * When Redis does not answer (connection not ready, error, or no answer within `timeoutMs`) the
 * store falls back per `onStoreDown`, logs one line when it goes down and one when it recovers,
 * and goes back to Redis by itself once a probe succeeds: no restart needed.
 *
 * @example
 * const store = new RedisRateLimitStore({ connection, onStoreDown: 'insurance', insuranceShare: 1 / 3 });
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis';
  readonly #connection: RedisConnection;
  readonly #link: RedisAvailability;
  readonly #metrics: StoreMetrics;
  readonly #mode: StoreDownMode;
  readonly #timeoutMs: number;
  readonly #share: number;

  constructor(options: RedisRateLimitStoreOptions) {
    this.#connection = options.connection;
    this.#mode = options.onStoreDown ?? 'insurance';
    this.#timeoutMs = options.timeoutMs ?? 200;
    this.#share = options.insuranceShare ?? 1;
    if (!(this.#share > 0 && this.#share <= 1)) {
      throw new TypeError(`insuranceShare must be in (0, 1]; got ${this.#share}`);
    }
    this.#metrics = storeMetrics(options.metrics, this.kind);
    this.#link = new RedisAvailability(
      options.connection.client,
      options.logger,
      this.#metrics,
      options.probeIntervalMs ?? 1000,
      this.#mode,
    );
  }

  get healthy(): boolean {
    return this.#link.up;
  }

  get mode(): StoreDownMode {
    return this.#mode;
  }

  counter(spec: WindowSpec): WindowCounter {
    const redis = new (flexible().RateLimiterRedis)({
      storeClient: this.#connection.client,
      points: spec.limit,
      duration: spec.seconds,
      keyPrefix: this.#connection.key(spec.namespace),
      // Not `rejectIfRedisNotReady`: it would also refuse the first command of a lazy connection,
      // the one that opens it. `RedisAvailability.tryRedis` is the gate instead.
      // ioredis, not node-redis: its `defineCommand` runs the script by EVALSHA.
      useRedisPackage: false,
    });
    return new RedisWindowCounter(
      spec,
      redis,
      makeFallback(spec, this.#mode, this.#share, this.#metrics),
      this.#link,
      this.#timeoutMs,
    );
  }

  async close(): Promise<void> {}
}
