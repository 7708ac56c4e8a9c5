import { CoreErrors } from '../errors.js';
import type { Logger } from '../logging/index.js';
import type { RedisClient, RedisConnection } from '../redis/connection.js';
import { redisIsDown } from '../redis/status.js';
import { DEFAULT_MAX_MESSAGE_BYTES, decodeEnvelope, type EventEnvelope, encodeEnvelope } from './envelope.js';
import type { EventTransport, TransportSink } from './transport.js';

export interface RedisEventTransportOptions {
  connection: RedisConnection;
  /** Pub/sub channel shared by every instance of the app. Default `connection.key('events')`. */
  channel?: string;
  /**
   * How long a PUBLISH may take before it counts as failed. Default 1000 ms. A publish that times
   * out may still go out later if the client had queued it; events are at-most-once either way.
   */
  publishTimeoutMs?: number;
  /** Largest message sent or accepted, in bytes. Default 1 MiB. */
  maxMessageBytes?: number;
  /**
   * How long `start()` waits for SUBSCRIBE. When Redis is down at start, `start()` resolves after
   * this (the bus works locally) and the subscription completes when Redis is back. Default 2000 ms.
   */
  subscribeTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Redis pub/sub between instances: PUBLISH on the connection's command client, SUBSCRIBE on its
 * subscriber connection, one channel for all events of the app (`<keyPrefix>events`). Messages are
 * JSON envelopes `{ id, event, payload, origin, at }`.
 *
 * Pub/sub is fire-and-forget: an instance that is disconnected when an event is published misses
 * it (no replay). After a Redis restart the subscriber re-subscribes by itself (ioredis
 * `autoResubscribe`), so delivery resumes without recreating the bus.
 */
export class RedisEventTransport implements EventTransport {
  readonly kind = 'redis';
  readonly remote = true;
  readonly channel: string;
  readonly #connection: RedisConnection;
  readonly #publishTimeoutMs: number;
  readonly #maxBytes: number;
  readonly #subscribeTimeoutMs: number;
  readonly #logger: Logger | undefined;
  #subscriber: RedisClient | undefined;
  #sink: TransportSink | undefined;
  #retrySubscribe: (() => void) | undefined;
  #closed = false;

  constructor(options: RedisEventTransportOptions) {
    this.#connection = options.connection;
    this.channel = options.channel ?? options.connection.key('events');
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 1000;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#subscribeTimeoutMs = options.subscribeTimeoutMs ?? 2000;
    this.#logger = options.logger;
  }

  readonly #onMessage = (channel: string, message: string): void => {
    // The subscriber connection is shared with other features' channels.
    if (channel !== this.channel || this.#sink === undefined) return;
    const decoded = decodeEnvelope(message, this.#maxBytes);
    if (decoded.ok) this.#sink.deliver(decoded.envelope);
    else this.#sink.malformed(decoded.reason, decoded.error);
  };

  async start(sink: TransportSink): Promise<void> {
    if (this.#sink) return;
    this.#sink = sink;
    const subscriber = this.#connection.subscriber();
    this.#subscriber = subscriber;
    subscriber.on('message', this.#onMessage);
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      this.#subscribe(subscriber).then(() => 'done' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#subscribeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (waited === 'timeout') {
      this.#logger?.warn(
        { channel: this.channel, timeoutMs: this.#subscribeTimeoutMs },
        'events channel not subscribed yet (Redis unreachable?); events from other instances arrive once it is',
      );
    }
  }

  /**
   * SUBSCRIBE, or, when Redis is down at start, log it and try again when the subscriber is next
   * ready: the bus must not keep the app from starting, local delivery works meanwhile.
   */
  async #subscribe(subscriber: RedisClient): Promise<void> {
    try {
      await subscriber.subscribe(this.channel);
    } catch (err) {
      if (this.#closed) return;
      this.#logger?.warn(
        { err, channel: this.channel },
        'could not subscribe to the events channel; will retry when Redis is back',
      );
      const retry = () => {
        this.#retrySubscribe = undefined;
        if (!this.#closed) void this.#subscribe(subscriber);
      };
      this.#retrySubscribe = retry;
      subscriber.once('ready', retry);
    }
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    const message = encodeEnvelope(envelope);
    if (Buffer.byteLength(message) > this.#maxBytes) {
      throw CoreErrors.VALIDATION_FAILED(`Event "${envelope.event}" is larger than ${this.#maxBytes} bytes`, {
        details: { event: envelope.event, maxMessageBytes: this.#maxBytes },
      });
    }
    const client = this.#connection.client;
    if (redisIsDown(client)) {
      throw CoreErrors.SERVICE_UNAVAILABLE(`Redis is not connected (${client.status}); event not published`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(CoreErrors.TIMEOUT(`PUBLISH did not complete within ${this.#publishTimeoutMs} ms`)),
        this.#publishTimeoutMs,
      );
    });
    const sent = client.publish(this.channel, message);
    // If the timeout wins, a late rejection of the command must not be unhandled.
    sent.catch(() => undefined);
    try {
      await Promise.race([sent, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscriber = this.#subscriber;
    if (!subscriber) return;
    subscriber.off('message', this.#onMessage);
    if (this.#retrySubscribe) subscriber.off('ready', this.#retrySubscribe);
    this.#sink = undefined;
    if (subscriber.status === 'ready') {
      await subscriber.unsubscribe(this.channel).catch((err: unknown) => {
        this.#logger?.debug({ err, channel: this.channel }, 'unsubscribe failed on close');
      });
    }
  }
}
