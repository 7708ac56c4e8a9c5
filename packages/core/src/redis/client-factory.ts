import type { Cluster, RedisOptions } from 'ioredis';
import { lazyModule } from '../lazy-module.js';
import type { RedisClient } from './connection.js';
import { DEFAULT_REDIS_URL, type RedisConnectionOptions, type ResolvedRedisSettings } from './options.js';
import { reconnectDelay } from './reconnect.js';
import { parseEndpoint } from './target.js';

/** Loaded on first connection only: see lazyModule. */
const ioredis = lazyModule<typeof import('ioredis')>('ioredis');

/** The per-connection ioredis options we own; for a Cluster they go to every node connection. */
function linkOptions(settings: ResolvedRedisSettings): RedisOptions {
  return {
    connectTimeout: settings.connectTimeoutMs,
    // ioredis treats any number as a timeout; 0 means "none" here.
    commandTimeout: settings.commandTimeoutMs > 0 ? settings.commandTimeoutMs : undefined,
    maxRetriesPerRequest: settings.maxRetriesPerRequest,
  };
}

/** Make the ioredis client for the options: standalone (url), Sentinel or Cluster. */
export function createClient(options: RedisConnectionOptions, settings: ResolvedRedisSettings): RedisClient {
  const retry = reconnectDelay(settings.reconnect);
  if (options.cluster) {
    const given = options.cluster.options ?? {};
    return new (ioredis().Cluster)(
      options.cluster.nodes.map((node) => parseEndpoint(node)),
      {
        ...given,
        lazyConnect: settings.lazyConnect,
        enableOfflineQueue: settings.enableOfflineQueue,
        clusterRetryStrategy: retry,
        // Node connections keep ioredis' default of not reconnecting on their own: a lost node is
        // found again through the slot map (MOVED / refresh), which is how failover works.
        redisOptions: { ...given.redisOptions, ...linkOptions(settings) },
      },
    );
  }
  const common: RedisOptions = {
    ...options.redisOptions,
    ...linkOptions(settings),
    lazyConnect: settings.lazyConnect,
    enableOfflineQueue: settings.enableOfflineQueue,
    retryStrategy: retry,
  };
  if (options.sentinel) {
    const s = options.sentinel;
    return new (ioredis().Redis)({
      ...common,
      sentinels: s.sentinels.map((node) => parseEndpoint(node, 26379)),
      name: s.name,
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(s.sentinelPassword !== undefined ? { sentinelPassword: s.sentinelPassword } : {}),
      ...(s.db !== undefined ? { db: s.db } : {}),
      sentinelRetryStrategy: retry,
    });
  }
  return new (ioredis().Redis)(options.url ?? DEFAULT_REDIS_URL, common);
}

/**
 * The subscriber: the same target and options, except that it waits for Redis instead of failing
 * fast. A SUBSCRIBE issued while Redis is down stays queued and is sent once it is back (and
 * ioredis re-subscribes existing channels after a reconnection), with no command timeout: a
 * subscription is meant to hold, not to answer quickly.
 */
export function duplicateForSubscriber(client: RedisClient): RedisClient {
  const patient: RedisOptions = { commandTimeout: undefined, maxRetriesPerRequest: null };
  if (isCluster(client)) {
    return client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...patient } });
  }
  return client.duplicate(patient);
}

/** `instanceof Cluster` without loading ioredis at import: both client classes carry `isCluster`. */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}
