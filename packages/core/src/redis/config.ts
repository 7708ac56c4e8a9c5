import * as z from 'zod';
import { secret } from '../config/index.js';
import { REDIS_DEFAULTS, type RedisConnectionOptions } from './options.js';

const endpoint = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const node = z.union([z.string().min(1), endpoint]);
const ms = z.number().int().positive();

/**
 * The `redis` config section. Give one of `url`, `cluster` or `sentinel`; none means
 * `redis://127.0.0.1:6379`. The whole URL is secret (it may carry a password), so printed config
 * shows `[REDACTED]` for it; logs and errors name the target as `host:port` only.
 *
 * @example
 * // koaforge.json
 * { "redis": { "url": "${REDIS_URL}", "keyPrefix": "shop:" } }
 * // or
 * { "redis": { "cluster": { "nodes": ["10.0.0.1:7000", "10.0.0.2:7000"], "password": "${REDIS_PASSWORD}" } } }
 */
export const redisConfigSchema = z
  .object({
    url: secret(z.string().regex(/^rediss?:\/\//i, 'must start with redis:// or rediss://')).optional(),
    cluster: z
      .object({
        nodes: z.array(node).min(1),
        username: z.string().optional(),
        password: secret(z.string()).optional(),
        /** Connect to the nodes over TLS. */
        tls: z.boolean().default(false),
      })
      .optional(),
    sentinel: z
      .object({
        sentinels: z.array(node).min(1),
        name: z.string().min(1),
        username: z.string().optional(),
        password: secret(z.string()).optional(),
        sentinelPassword: secret(z.string()).optional(),
        db: z.number().int().nonnegative().optional(),
      })
      .optional(),
    keyPrefix: z.string().default(REDIS_DEFAULTS.keyPrefix),
    connectTimeoutMs: ms.default(REDIS_DEFAULTS.connectTimeoutMs),
    /** 0 = no command timeout. */
    commandTimeoutMs: z.number().int().nonnegative().default(REDIS_DEFAULTS.commandTimeoutMs),
    maxRetriesPerRequest: z.number().int().nonnegative().nullable().default(REDIS_DEFAULTS.maxRetriesPerRequest),
    enableOfflineQueue: z.boolean().default(REDIS_DEFAULTS.enableOfflineQueue),
    failFastWhenDown: z.boolean().default(REDIS_DEFAULTS.failFastWhenDown),
    reconnectMaxDelayMs: ms.default(REDIS_DEFAULTS.reconnect.maxDelayMs),
    closeTimeoutMs: ms.default(REDIS_DEFAULTS.closeTimeoutMs),
    /** Timeout of the `redis` readiness check. */
    healthTimeoutMs: ms.default(1000),
    /** Fail `app.start()` when Redis is not ready within `connectTimeoutMs`. Otherwise start anyway and keep trying. */
    requireOnStart: z.boolean().default(true),
  })
  .superRefine((value, ctx) => {
    const given = (['url', 'cluster', 'sentinel'] as const).filter((k) => value[k] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [given[1] ?? 'url'],
        message: `give only one of url, cluster and sentinel (got ${given.join(', ')})`,
      });
    }
  });

export type RedisConfig = z.output<typeof redisConfigSchema>;

/** The connection options for a validated `redis` section. */
export function connectionOptionsFromConfig(config: RedisConfig): RedisConnectionOptions {
  const common: RedisConnectionOptions = {
    keyPrefix: config.keyPrefix,
    connectTimeoutMs: config.connectTimeoutMs,
    commandTimeoutMs: config.commandTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest,
    enableOfflineQueue: config.enableOfflineQueue,
    failFastWhenDown: config.failFastWhenDown,
    reconnect: { maxDelayMs: config.reconnectMaxDelayMs },
    closeTimeoutMs: config.closeTimeoutMs,
  };
  if (config.cluster) {
    const { nodes, username, password, tls } = config.cluster;
    return {
      ...common,
      cluster: {
        nodes,
        options: {
          redisOptions: {
            ...(username !== undefined ? { username } : {}),
            ...(password !== undefined ? { password } : {}),
            ...(tls ? { tls: {} } : {}),
          },
        },
      },
    };
  }
  if (config.sentinel) return { ...common, sentinel: config.sentinel };
  return config.url !== undefined ? { ...common, url: config.url } : common;
}
