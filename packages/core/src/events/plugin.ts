import * as z from 'zod';
import { CoreErrors } from '../errors.js';
import { definePlugin } from '../kernel/plugin.js';
import { RedisConnectionToken } from '../redis/connection.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './envelope.js';
import { EventBus, EventBusToken } from './event-bus.js';
import { RedisEventTransport } from './redis-transport.js';

/** The `events` config section. */
export const eventsConfigSchema = z.object({
  /** `auto`: Redis pub/sub when a Redis connection is registered (redisPlugin), else in-process. */
  transport: z.enum(['auto', 'memory', 'redis']).default('auto'),
  /** Redis channel. Default: `<redis keyPrefix>events`. */
  channel: z.string().min(1).optional(),
  publishTimeoutMs: z.number().int().positive().default(1000),
  maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
  /** Reject `emit` when publishing to other instances fails (default: log and count). */
  throwOnPublishError: z.boolean().default(false),
});
export type EventsConfig = z.output<typeof eventsConfigSchema>;

/**
 * Registers an {@link EventBus} under `EventBusToken`. With `events.transport: 'redis'` (or `auto`
 * and a registered `redis` plugin) events cross instances through Redis pub/sub; the bus subscribes
 * on start and unsubscribes on stop (before the Redis connection closes: `redis` is an optional
 * dependency, so it stops after us).
 *
 * @example
 * app.register(redisPlugin).register(eventBusPlugin);
 * // in another plugin's setup:
 * const bus = ctx.container.resolve(EventBusToken);
 * bus.on(OrderPlaced, (order) => ...);
 */
export const eventBusPlugin = definePlugin({
  name: 'events',
  optionalDependsOn: ['redis'],
  configSchema: eventsConfigSchema,
  setup(ctx) {
    const config = ctx.config;
    const hasRedis = ctx.container.isRegistered(RedisConnectionToken);
    if (config.transport === 'redis' && !hasRedis) {
      throw CoreErrors.CONFIG_INVALID(
        'events.transport is "redis" but no Redis connection is registered: register redisPlugin before starting',
      );
    }
    const useRedis = config.transport === 'redis' || (config.transport === 'auto' && hasRedis);
    const transport = useRedis
      ? new RedisEventTransport({
          connection: ctx.container.resolve(RedisConnectionToken),
          ...(config.channel ? { channel: config.channel } : {}),
          publishTimeoutMs: config.publishTimeoutMs,
          maxMessageBytes: config.maxMessageBytes,
          logger: ctx.log,
        })
      : undefined;
    const bus = new EventBus({
      ...(transport ? { transport } : {}),
      logger: ctx.log,
      metrics: ctx.metrics,
      throwOnPublishError: config.throwOnPublishError,
    });
    ctx.container.register(EventBusToken, { useValue: bus });
    ctx.onStart(() => bus.start());
    ctx.onStop(() => bus.close());
  },
});
