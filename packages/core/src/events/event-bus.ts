import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { createToken } from '../di/token.js';
import { CoreErrors } from '../errors.js';
import type { Logger } from '../logging/index.js';
import type { DropReason, EventEnvelope } from './envelope.js';
import type { EventDefinition, EventHandler, EventMeta } from './event.js';
import { EventMetrics } from './event-metrics.js';
import { MemoryEventTransport } from './memory-transport.js';
import type { EventTransport } from './transport.js';

export interface EventBusOptions {
  /** How events reach other instances. Default: in-process only ({@link MemoryEventTransport}). */
  transport?: EventTransport;
  /** Logs handler errors, publish failures and dropped messages. */
  logger?: Logger;
  /** prom-client registry for the `events_*` counters. None: no metrics. */
  metrics?: Registry;
  /** This instance's id in envelopes (`origin`). Default: a random UUID. */
  instanceId?: string;
  /**
   * Reject `emit` when the transport could not publish (local handlers have still run). Default
   * false: the failure is logged and counted in `events_publish_failures_total`.
   */
  throwOnPublishError?: boolean;
}

export interface OnceOptions<T> {
  /** Reject with `signal.reason` when it aborts. */
  signal?: AbortSignal;
  /** Reject with `TIMEOUT` after this long. */
  timeoutMs?: number;
  /** Only resolve for payloads this accepts. */
  filter?(payload: T, meta: EventMeta): boolean;
}

const RESOLVED = Promise.resolve();
const noop = () => undefined;
/** At most one warning per second per kind of dropped message: a flood must not flood the logs too. */
const DROP_LOG_INTERVAL_MS = 1000;

/**
 * Typed events with isolated handlers, in one process or across instances.
 *
 * - `emit` delivers to this bus's handlers at once (all of them, in registration order; async ones
 *   run concurrently) and publishes to other instances through the transport, and resolves when
 *   both are done: it awaits the local handlers (their errors never reach the emitter) and the
 *   publish (whose failure is logged and counted, not thrown, unless `throwOnPublishError`). Call it
 *   without `await` for fire-and-forget.
 * - A handler that throws or rejects is logged with the event name and counted in
 *   `events_handler_errors_total{event}`; the other handlers run regardless.
 * - Events from other instances are delivered to local handlers; this bus's own messages coming back
 *   from the transport are dropped by `origin`, so each handler sees each event exactly once.
 * - Handlers of one event share the payload object: treat it as read-only.
 *
 * @example
 * const bus = new EventBus({ logger, metrics: registry });
 * const off = bus.on(OrderPlaced, async ({ orderId }) => { await mailer.confirm(orderId); });
 * await bus.emit(OrderPlaced, { orderId: 'o-1', total: 42 });
 * const next = await bus.once(OrderPlaced, { timeoutMs: 5000 });
 */
export class EventBus {
  readonly instanceId: string;
  readonly #transport: EventTransport;
  readonly #logger: Logger | undefined;
  readonly #metrics: EventMetrics | undefined;
  readonly #throwOnPublishError: boolean;
  /** Copy-on-write: `emit` iterates an array that `on`/`off` never mutate. */
  readonly #handlers = new Map<string, readonly EventHandler<unknown>[]>();
  readonly #definitions = new Map<string, EventDefinition<unknown>>();
  readonly #lastDropLog = new Map<DropReason, { at: number; suppressed: number }>();
  #started: Promise<void> | undefined;
  #closed = false;

  constructor(options: EventBusOptions = {}) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.#transport = options.transport ?? new MemoryEventTransport();
    this.#logger = options.logger;
    this.#metrics = options.metrics ? new EventMetrics(options.metrics) : undefined;
    this.#throwOnPublishError = options.throwOnPublishError ?? false;
  }

  /** The transport's kind: `memory`, `redis`… */
  get transport(): string {
    return this.#transport.kind;
  }

  /** Start receiving events from other instances. Idempotent; not needed for local delivery. */
  start(): Promise<void> {
    this.#started ??= this.#transport.start({
      deliver: (envelope) => this.#receive(envelope),
      malformed: (reason, error) => this.#drop(reason, error),
    });
    return this.#started;
  }

  /** Stop receiving. Later emits still reach this bus's handlers but are not published. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#transport.close();
  }

  /** Call `handler` for every `event`; returns a function that removes it. */
  on<T>(event: EventDefinition<T>, handler: EventHandler<T>): () => void {
    this.#remember(event);
    const list = this.#handlers.get(event.name) ?? [];
    this.#handlers.set(event.name, [...list, handler as EventHandler<unknown>]);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const current = this.#handlers.get(event.name) ?? [];
      const i = current.indexOf(handler as EventHandler<unknown>);
      if (i === -1) return;
      const next = [...current.slice(0, i), ...current.slice(i + 1)];
      if (next.length === 0) this.#handlers.delete(event.name);
      else this.#handlers.set(event.name, next);
    };
  }

  /** The next `event` (accepted by `filter`), or a rejection on timeout (`TIMEOUT`) or abort. */
  once<T>(event: EventDefinition<T>, options: OnceOptions<T> = {}): Promise<T> {
    const { signal, timeoutMs, filter } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        off();
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const off = this.on(event, (payload, meta) => {
        if (filter && !filter(payload, meta)) return;
        cleanup();
        resolve(payload);
      });
      const onAbort = () => {
        cleanup();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(
            CoreErrors.TIMEOUT(`No "${event.name}" event within ${timeoutMs} ms`, { details: { event: event.name } }),
          );
        }, timeoutMs);
      }
    });
  }

  /**
   * Deliver to this bus's handlers and publish to other instances; resolves when the local handlers
   * have settled and the publish is done or failed (see the class notes).
   */
  emit<T>(event: EventDefinition<T>, payload: NoInfer<T>): Promise<void> {
    this.#remember(event);
    const envelope: EventEnvelope = {
      id: randomUUID(),
      event: event.name,
      payload,
      origin: this.instanceId,
      at: Date.now(),
    };
    this.#metrics?.emitted(event.name);
    const local = this.#dispatch(envelope, true);
    if (!this.#transport.remote || this.#closed) return local;
    return Promise.all([local, this.#publish(envelope)]).then(noop);
  }

  /** Number of handlers for an event (for tests and diagnostics). */
  listenerCount(event: EventDefinition<unknown>): number {
    return this.#handlers.get(event.name)?.length ?? 0;
  }

  #remember(event: EventDefinition<unknown>): void {
    if (!this.#definitions.has(event.name)) this.#definitions.set(event.name, event);
  }

  async #publish(envelope: EventEnvelope): Promise<void> {
    try {
      await this.#transport.publish(envelope);
    } catch (err) {
      this.#metrics?.publishFailure(envelope.event);
      this.#logger?.warn(
        { err, event: envelope.event, eventId: envelope.id, transport: this.#transport.kind },
        'event not published to other instances; delivered locally only',
      );
      if (this.#throwOnPublishError) throw err;
    }
  }

  #receive(envelope: EventEnvelope): void {
    // Our own message back from the transport: already delivered at emit.
    if (envelope.origin === this.instanceId || this.#closed) return;
    if (!this.#handlers.has(envelope.event)) return;
    const schema = this.#definitions.get(envelope.event)?.schema;
    if (schema) {
      const parsed = schema.safeParse(envelope.payload);
      if (!parsed.success) {
        this.#drop('invalid_payload', parsed.error, envelope.event);
        return;
      }
      envelope = { ...envelope, payload: parsed.data };
    }
    this.#metrics?.received(envelope.event);
    void this.#dispatch(envelope, false);
  }

  #dispatch(envelope: EventEnvelope, local: boolean): Promise<void> {
    const handlers = this.#handlers.get(envelope.event);
    if (handlers === undefined) return RESOLVED;
    const meta: EventMeta = {
      id: envelope.id,
      event: envelope.event,
      origin: envelope.origin,
      at: envelope.at,
      local,
    };
    let pending: Promise<unknown>[] | undefined;
    for (const handler of handlers) {
      try {
        const result = handler(envelope.payload, meta);
        if (isPromiseLike(result)) {
          pending ??= [];
          pending.push(
            Promise.resolve(result).then(noop, (err: unknown) => this.#handlerFailed(envelope, handler, err)),
          );
        }
      } catch (err) {
        this.#handlerFailed(envelope, handler, err);
      }
    }
    return pending ? Promise.all(pending).then(noop) : RESOLVED;
  }

  #handlerFailed(envelope: EventEnvelope, handler: EventHandler<unknown>, err: unknown): void {
    this.#metrics?.handlerError(envelope.event);
    this.#logger?.error(
      { err, event: envelope.event, eventId: envelope.id, handler: handler.name || 'anonymous' },
      'event handler failed',
    );
  }

  #drop(reason: DropReason, error?: unknown, event?: string): void {
    this.#metrics?.dropped(reason);
    if (!this.#logger) return;
    const now = Date.now();
    const last = this.#lastDropLog.get(reason);
    if (last && now - last.at < DROP_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    this.#lastDropLog.set(reason, { at: now, suppressed: 0 });
    this.#logger.warn(
      {
        reason,
        ...(event ? { event } : {}),
        ...(error instanceof Error ? { error: error.message } : {}),
        ...(last?.suppressed ? { alsoDroppedSinceLastLog: last.suppressed } : {}),
        transport: this.#transport.kind,
      },
      'dropped a malformed event message',
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The app's event bus. Global, so two copies of core (and other packages) agree on it. */
export const EventBusToken = createToken<EventBus>('EventBus', { global: true });
