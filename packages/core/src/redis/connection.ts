import type { Cluster, Redis } from 'ioredis';
import { createToken } from '../di/token.js';

/** A standalone, Sentinel or Cluster ioredis client. */
export type RedisClient = Redis | Cluster;

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
}

/** Global so two copies of core agree on it. */
export const RedisConnectionToken = createToken<RedisConnection>('RedisConnection', { global: true });
