import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';

/** A Redis host and port. */
export interface RedisEndpoint {
  host: string;
  port: number;
}

/** What the connection logs through: a pino logger fits. */
export interface RedisLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Capped exponential backoff between reconnection attempts. */
export interface ReconnectOptions {
  /** First delay. Default 50 ms. */
  minDelayMs?: number;
  /** Upper bound: once Redis is back, the client is ready again within about this long. Default 2000 ms. */
  maxDelayMs?: number;
}

export interface RedisClusterOptions {
  /** Startup nodes: `{ host, port }` or `'host:port'` / `'redis://host:port'`. */
  nodes: Array<RedisEndpoint | string>;
  /** Extra ioredis Cluster options (ours win for timeouts, retries and the offline queue). */
  options?: ClusterOptions;
}

export interface RedisSentinelOptions {
  sentinels: Array<RedisEndpoint | string>;
  /** The master group name. */
  name: string;
  username?: string;
  password?: string;
  sentinelPassword?: string;
  db?: number;
}

/** Options of `createRedisConnection`. Give one of `url`, `cluster` or `sentinel` (default `redis://127.0.0.1:6379`). */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://...` (TLS). */
  url?: string;
  cluster?: RedisClusterOptions;
  sentinel?: RedisSentinelOptions;
  /**
   * Applied by `key()` only, never through ioredis' own `keyPrefix` option: ioredis would prefix
   * the key arguments of the commands it knows, but not the key names that Lua scripts build from
   * ARGV, nor the keys rate-limiter-flexible and BullMQ compose themselves, nor SCAN patterns or
   * pub/sub channels. Half-prefixed keyspaces are worse than none, so there is one rule: every key
   * is built with `key()`. Default `''`.
   */
  keyPrefix?: string;
  /** Connect on the first command or on `connect()` rather than at once. Default true. */
  lazyConnect?: boolean;
  /** Time limit of one connection attempt, and default deadline of `connect()`. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * Every command rejects with "Command timed out" after this long; also bounds a command stuck on a
   * black-holed link (no RST, so no reconnect). 0 turns it off. Default 1000 ms. Blocking commands
   * (BLPOP, XREAD BLOCK) belong on their own connection: `client.duplicate({ commandTimeout: undefined })`.
   */
  commandTimeoutMs?: number;
  /**
   * How many reconnection attempts a command in flight (or queued) survives before it is rejected.
   * Default 1: a command caught by a dropped connection is resent once if the first reconnection
   * works, else rejected after about one backoff step. `null` = wait forever (ioredis' BullMQ advice,
   * wrong for request paths).
   */
  maxRetriesPerRequest?: number | null;
  /**
   * ioredis' offline queue. Default true, because with `lazyConnect` the first command is issued
   * before the connection exists and must wait for it. Queueing while Redis is *down* is what makes
   * clients hang, and `failFastWhenDown` takes care of that instead. With false, every command
   * issued before `ready` rejects, so call `connect()` first.
   */
  enableOfflineQueue?: boolean;
  /**
   * Once a connection was lost (or the first attempt failed), reject new commands at once with
   * `REDIS_UNAVAILABLE` until it is ready again, instead of queueing them. This is what rate
   * limiting and caches need: an answer within microseconds, so they can fall back. Default true.
   */
  failFastWhenDown?: boolean;
  reconnect?: ReconnectOptions;
  /** How long `close()` waits for QUIT before it disconnects. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Connection state lines (up, lost, restored) go here, one per change. */
  logger?: RedisLogger;
  /** Command latency, errors, connection state and reconnections are recorded here. */
  metrics?: Registry;
  /** Extra ioredis options for standalone and Sentinel connections (ours win where they overlap). */
  redisOptions?: RedisOptions;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export const REDIS_DEFAULTS = {
  keyPrefix: '',
  lazyConnect: true,
  connectTimeoutMs: 5000,
  commandTimeoutMs: 1000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  failFastWhenDown: true,
  closeTimeoutMs: 2000,
  reconnect: { minDelayMs: 50, maxDelayMs: 2000 },
} as const;

/** The options with defaults filled in. */
export interface ResolvedRedisSettings {
  keyPrefix: string;
  lazyConnect: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxRetriesPerRequest: number | null;
  enableOfflineQueue: boolean;
  failFastWhenDown: boolean;
  closeTimeoutMs: number;
  reconnect: Required<ReconnectOptions>;
}

export function resolveSettings(options: RedisConnectionOptions): ResolvedRedisSettings {
  const given = [options.url, options.cluster, options.sentinel].filter((v) => v !== undefined).length;
  if (given > 1) throw new TypeError('createRedisConnection(): give only one of url, cluster and sentinel');
  if (options.url !== undefined && !/^rediss?:\/\//i.test(options.url)) {
    throw new TypeError('createRedisConnection(): url must start with redis:// or rediss://');
  }
  if (options.cluster !== undefined && options.cluster.nodes.length === 0) {
    throw new TypeError('createRedisConnection(): cluster.nodes is empty');
  }
  const d = REDIS_DEFAULTS;
  return {
    keyPrefix: options.keyPrefix ?? d.keyPrefix,
    lazyConnect: options.lazyConnect ?? d.lazyConnect,
    connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? d.commandTimeoutMs,
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? d.maxRetriesPerRequest : options.maxRetriesPerRequest,
    enableOfflineQueue: options.enableOfflineQueue ?? d.enableOfflineQueue,
    failFastWhenDown: options.failFastWhenDown ?? d.failFastWhenDown,
    closeTimeoutMs: options.closeTimeoutMs ?? d.closeTimeoutMs,
    reconnect: {
      minDelayMs: options.reconnect?.minDelayMs ?? d.reconnect.minDelayMs,
      maxDelayMs: options.reconnect?.maxDelayMs ?? d.reconnect.maxDelayMs,
    },
  };
}
