import type { KoaforgeError } from '../errors/catalogue.js';
import { isCluster } from './client-factory.js';
import { logClusterNodes } from './cluster-node-log.js';
import type { RedisClient } from './connection.js';
import type { RedisMetrics, RedisRole } from './metrics.js';
import type { RedisLogger } from './options.js';
import { redisUnavailable } from './redis-errors.js';

/**
 * - `idle`: never tried yet (lazy), or the first attempt is under way.
 * - `up`: ready for commands.
 * - `down`: lost, or the first attempt failed; ioredis is reconnecting in the background.
 * - `closed`: `close()` was called, or ioredis gave up.
 */
export type LinkState = 'idle' | 'up' | 'down' | 'closed';

export interface LinkMonitorOptions {
  role: RedisRole;
  target: string;
  logger?: RedisLogger | undefined;
  metrics?: RedisMetrics | undefined;
}

/**
 * Follows one ioredis client's events and turns them into state, log lines, metrics and the
 * fail-fast signal. ioredis emits `error` and `close` on every failed reconnection attempt (20 a
 * second at the short end of the backoff); logging those would flood the log exactly when it is
 * read, so only *changes* of state are logged: one warn when the link goes down, one info when it
 * is back (with how long it was down and how many attempts it took).
 */
export class LinkMonitor {
  readonly #client: RedisClient;
  readonly #options: LinkMonitorOptions;
  #state: LinkState = 'idle';
  #closing = false;
  #lastError: Error | undefined;
  #downSince = 0;
  #attempts = 0;

  constructor(client: RedisClient, options: LinkMonitorOptions) {
    this.#client = client;
    this.#options = options;
    options.metrics?.setUp(options.role, false);
    // An ioredis client without an `error` listener prints every failed attempt to stderr.
    client.on('error', (err: Error) => {
      this.#lastError = err;
    });
    client.on('ready', () => this.#onReady());
    client.on('close', () => this.#onClose());
    client.on('reconnecting', () => {
      this.#attempts += 1;
    });
    client.on('end', () => this.#onEnd());
    if (isCluster(client)) {
      logClusterNodes(
        client,
        (level, fields, msg) => this.#log(level, fields, msg),
        () => !this.#closing,
      );
    }
  }

  get state(): LinkState {
    return this.#state;
  }

  /** True from losing the link (or failing the first attempt) until it is ready again. */
  get isDown(): boolean {
    return this.#state === 'down';
  }

  /**
   * True while new commands should be rejected at once: down, except during the handshake of a
   * reconnection (status `connect`), whose own commands (AUTH, SELECT, the INFO ready check,
   * Cluster's CLUSTER INFO) pass through the same `sendCommand` and must not be refused.
   */
  shouldFailFast(): boolean {
    return this.#state === 'down' && this.#client.status !== 'connect';
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** `close()` started: the close and end events that follow are expected, not an outage. */
  markClosing(): void {
    this.#closing = true;
  }

  /** The error a command gets while the link is down. */
  unavailable(): KoaforgeError {
    const cause = this.#lastError?.message;
    return redisUnavailable(
      `Redis at ${this.#options.target} is unavailable${cause ? ` (${cause})` : ''}; reconnecting`,
      {
        details: { target: this.#options.target },
      },
    );
  }

  /** Resolve when the client is ready; reject with `REDIS_UNAVAILABLE` after `timeoutMs`, on `end` or on abort. */
  waitUntilReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const client = this.#client;
    if (client.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('end', onEnd);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => finish();
      const onEnd = () => finish(redisUnavailable(`The Redis connection to ${this.#options.target} is closed`));
      const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(() => {
        const cause = this.#lastError?.message;
        finish(
          redisUnavailable(
            `Could not connect to Redis at ${this.#options.target} within ${timeoutMs} ms${cause ? `: ${cause}` : ''}`,
            { details: { target: this.#options.target, timeoutMs }, cause: this.#lastError },
          ),
        );
      }, timeoutMs);
      timer.unref();
      if (client.status === 'end') return onEnd();
      if (signal?.aborted) return onAbort();
      client.once('ready', onReady);
      client.once('end', onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #onReady(): void {
    if (this.#state === 'up') return;
    const previous = this.#state;
    this.#state = 'up';
    this.#options.metrics?.setUp(this.#options.role, true);
    if (previous === 'down') {
      this.#options.metrics?.reconnected(this.#options.role);
      const downForMs = Math.round(performance.now() - this.#downSince);
      this.#log('info', { downForMs, attempts: this.#attempts }, 'Redis connection restored');
    } else {
      this.#log('info', {}, 'Redis connected');
    }
    this.#attempts = 0;
    this.#lastError = undefined;
  }

  #onClose(): void {
    if (this.#closing || this.#state === 'down' || this.#state === 'closed') return;
    const previous = this.#state;
    this.#state = 'down';
    this.#downSince = performance.now();
    this.#options.metrics?.setUp(this.#options.role, false);
    const err = this.#lastError?.message;
    if (previous === 'up') this.#log('warn', { err }, 'Redis connection lost; reconnecting in the background');
    else this.#log('warn', { err }, 'Redis unreachable; retrying in the background');
  }

  #onEnd(): void {
    if (this.#state === 'closed') return;
    const wasClosing = this.#closing;
    this.#state = 'closed';
    this.#options.metrics?.setUp(this.#options.role, false);
    if (wasClosing) this.#log('debug', {}, 'Redis connection closed');
    else this.#log('error', { err: this.#lastError?.message }, 'Redis connection ended; it will not reconnect');
  }

  #log(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
    this.#options.logger?.[level]({ redis: this.#options.target, role: this.#options.role, ...fields }, msg);
  }
}
