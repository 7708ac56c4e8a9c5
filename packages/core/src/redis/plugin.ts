import { definePlugin } from '../kernel/plugin.js';
import { connectionOptionsFromConfig, redisConfigSchema } from './config.js';
import { RedisConnectionToken } from './connection.js';
import { createRedisConnection } from './create-connection.js';
import { redisHealthCheck } from './health.js';
import { connectOnStart } from './startup.js';

/** Room for the hook around our own deadlines, so our error (naming host:port) wins the race. */
const HOOK_MARGIN_MS = 2000;

/**
 * The shared Redis connection as a kernel plugin: config section `redis`, the connection under
 * `RedisConnectionToken`, readiness check `redis`, metrics in the app registry, connect on start
 * (fails the start when Redis is unreachable, unless `requireOnStart: false`), close on stop.
 *
 * @example
 * const app = createApp({ config: { overrides: { redis: { url: process.env.REDIS_URL, keyPrefix: 'shop:' } } } });
 * app.register(redisPlugin);
 * // in another plugin's setup (with dependsOn: ['redis']):
 * const redis = ctx.container.resolve(RedisConnectionToken);
 */
export const redisPlugin = definePlugin({
  name: 'redis',
  configSchema: redisConfigSchema,
  setup(ctx) {
    const config = ctx.config;
    const connection = createRedisConnection({
      ...connectionOptionsFromConfig(config),
      logger: ctx.log,
      metrics: ctx.metrics,
    });
    ctx.container.register(RedisConnectionToken, { useValue: connection });
    ctx.addHealthCheck(redisHealthCheck(connection, { timeoutMs: config.healthTimeoutMs }));
    ctx.onStart(
      () =>
        connectOnStart(connection, {
          required: config.requireOnStart,
          timeoutMs: config.connectTimeoutMs,
          logger: ctx.log,
        }),
      { timeoutMs: config.connectTimeoutMs + HOOK_MARGIN_MS },
    );
    ctx.onStop(() => connection.close(), { timeoutMs: config.closeTimeoutMs + HOOK_MARGIN_MS });
  },
});
