import type { Cluster, Redis } from 'ioredis';
import { createToken } from '../di/token.js';

/** A standalone, Sentinel or Cluster ioredis client. */
export type RedisClient = Redis | Cluster;

/** Options of {@link RedisConnection.ping}. */
export interface RedisPingOptions {
  /** Abort the wait (the health registry passes its timeout signal). */
  signal?: AbortSignal;
  /** Give up after this long. Default: the connection's `commandTimeoutMs`, else 1000 ms. */
  timeoutMs?: number;
}

/** Options of {@link RedisConnection.connect}. */
export interface RedisConnectOptions {
  /** How long to wait for the connection to become ready. Default: the connection's `connectTimeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The app's shared Redis connection, owned by `redisPlugin` (or made by `createRedisConnection`
 * for plain Koa apps). Feature stores resolve it through `RedisConnectionToken` instead of opening
 * their own connections.
 */
export interface RedisConnection {
  /** The command connection. */
  readonly client: RedisClient;
  /**
   * A second connection for SUBSCRIBE/PSUBSCRIBE (a subscribed connection cannot run other
   * commands). Made on first call, closed with the connection.
   */
  subscriber(): RedisClient;
  /** Prefix for every key this app writes (e.g. `myapp:`), so apps can share one Redis. */
  readonly keyPrefix: string;
  /** `keyPrefix` + parts joined by `:`. */
  key(...parts: string[]): string;
  /** Close both connections (QUIT, then disconnect after a deadline). */
  close(): Promise<void>;
  /** Where it connects, never with credentials: `127.0.0.1:6379`, `cluster 10.0.0.1:7000,...`, `sentinel mymaster via ...`. */
  readonly target: string;
  /**
   * Connect now (the connection is lazy by default) and wait until it is ready. ioredis keeps
   * retrying in the background; this rejects with `REDIS_UNAVAILABLE` when the deadline passes.
   */
  connect(options?: RedisConnectOptions): Promise<void>;
  /** PING within a deadline; resolves with the round trip in ms. For health checks. */
  ping(options?: RedisPingOptions): Promise<number>;
}

/** Global so two copies of core agree on it. */
export const RedisConnectionToken = createToken<RedisConnection>('RedisConnection', { global: true });
