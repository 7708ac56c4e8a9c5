import { CoreErrors } from '../errors.js';
import { createClient, duplicateForSubscriber } from './client-factory.js';
import { closeClient } from './close-client.js';
import type { RedisClient, RedisConnection, RedisConnectOptions, RedisPingOptions } from './connection.js';
import { instrumentCommands } from './instrument.js';
import { LinkMonitor } from './link-monitor.js';
import { RedisMetrics } from './metrics.js';
import { type RedisConnectionOptions, type ResolvedRedisSettings, resolveSettings } from './options.js';
import { redisUnavailable } from './redis-errors.js';
import { describeTarget } from './target.js';

const DEFAULT_PING_TIMEOUT_MS = 1000;
const noop = () => undefined;

class ManagedRedisConnection implements RedisConnection {
  readonly client: RedisClient;
  readonly keyPrefix: string;
  readonly target: string;
  readonly #options: RedisConnectionOptions;
  readonly #settings: ResolvedRedisSettings;
  readonly #metrics: RedisMetrics | undefined;
  readonly #monitor: LinkMonitor;
  #subscriber: { client: RedisClient; monitor: LinkMonitor } | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RedisConnectionOptions) {
    this.#options = options;
    this.#settings = resolveSettings(options);
    this.keyPrefix = this.#settings.keyPrefix;
    this.target = describeTarget(options);
    this.#metrics = options.metrics ? new RedisMetrics(options.metrics) : undefined;
    this.client = createClient(options, this.#settings);
    const monitor = new LinkMonitor(this.client, {
      role: 'client',
      target: this.target,
      logger: options.logger,
      metrics: this.#metrics,
    });
    this.#monitor = monitor;
    instrumentCommands(
      this.client,
      this.#metrics,
      this.#settings.failFastWhenDown
        ? { shouldFailFast: () => monitor.shouldFailFast(), unavailable: () => monitor.unavailable() }
        : undefined,
    );
  }

  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  subscriber(): RedisClient {
    if (this.#closing) throw redisUnavailable(`The Redis connection to ${this.target} is closed`);
    if (this.#subscriber === undefined) {
      const client = duplicateForSubscriber(this.client);
      const monitor = new LinkMonitor(client, {
        role: 'subscriber',
        target: this.target,
        logger: this.#options.logger,
        metrics: this.#metrics,
      });
      this.#subscriber = { client, monitor };
    }
    return this.#subscriber.client;
  }

  async connect(options: RedisConnectOptions = {}): Promise<void> {
    if (this.#closing) throw redisUnavailable(`The Redis connection to ${this.target} is closed`);
    // ioredis rejects connect() on the first failed attempt but keeps retrying on its own; what
    // callers want is "ready within the deadline", so wait for `ready` instead.
    if (this.client.status === 'wait') this.client.connect().catch(noop);
    await this.#monitor.waitUntilReady(options.timeoutMs ?? this.#settings.connectTimeoutMs, options.signal);
  }

  async ping(options: RedisPingOptions = {}): Promise<number> {
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? (this.#settings.commandTimeoutMs || DEFAULT_PING_TIMEOUT_MS);
    signal?.throwIfAborted();
    const started = performance.now();
    const reply = this.client.ping();
    reply.catch(noop);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            CoreErrors.TIMEOUT(`Redis at ${this.target} did not answer PING within ${timeoutMs} ms`, {
              details: { target: this.target, timeoutMs },
            }),
          ),
        timeoutMs,
      );
      onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([reply, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    return Math.round((performance.now() - started) * 1000) / 1000;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const deadline = this.#settings.closeTimeoutMs;
    this.#monitor.markClosing();
    this.#subscriber?.monitor.markClosing();
    await Promise.all([
      closeClient(this.client, deadline),
      this.#subscriber ? closeClient(this.#subscriber.client, deadline) : undefined,
    ]);
  }
}

/**
 * Make the app's Redis connection: one command client (standalone, Sentinel or Cluster) and, on
 * first use, a subscriber. Lazy by default; commands fail fast with `REDIS_UNAVAILABLE` while
 * Redis is down and the client reconnects by itself when it is back.
 *
 * @example
 * const redis = createRedisConnection({ url: process.env.REDIS_URL, keyPrefix: 'shop:', logger, metrics: registry });
 * await redis.client.set(redis.key('cart', cartId), JSON.stringify(cart), 'EX', 3600);
 * redis.subscriber().subscribe(redis.key('events'));
 * // at shutdown
 * await redis.close();
 */
export function createRedisConnection(options: RedisConnectionOptions = {}): RedisConnection {
  return new ManagedRedisConnection(options);
}
