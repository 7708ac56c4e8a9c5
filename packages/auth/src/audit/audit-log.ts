import { currentContext, defineEvent, type EventBus, type Logger } from '@koaforge/core';
import type { AuditEvent, AuditInput, AuditRecorder } from './audit-event.js';
import { type AuditSink, LoggerAuditSink } from './audit-sinks.js';
import { dropSecrets, looksSecret } from './secret-guard.js';

/** The core event every audit record is emitted as (`bus.on(AuthAuditEvent, handler)`). */
export const AuthAuditEvent = defineEvent<AuditEvent>('auth.audit');

export interface AuditLogOptions {
  /**
   * Where events are written. Default: one {@link LoggerAuditSink} on `logger` (none without a
   * logger). Pass `[]` for events on the bus only.
   */
  sinks?: AuditSink[];
  /** Default sink's logger; also receives warnings about dropped values and failing sinks. */
  logger?: Logger;
  /** Events are also emitted as {@link AuthAuditEvent} here (fire and forget). */
  bus?: EventBus;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const MAX_USER_AGENT = 512;

/**
 * The `AuditRecorder` auth's services use. `record` never throws and never waits: it completes the
 * event (`at`; `ip`, `userAgent`, `requestId`, `tenantId` from the current request context when the
 * caller did not give them), drops secret-looking `data` values (with a warning), then writes it
 * to every sink and emits it on the bus.
 *
 * @example
 * const audit = new AuditLog({ logger, bus });
 * bus.on(AuthAuditEvent, (event) => siem.forward(event));
 * new PasswordLogin({ users, hasher, audit });
 */
export class AuditLog implements AuditRecorder {
  readonly #sinks: readonly AuditSink[];
  readonly #logger: Logger | undefined;
  readonly #bus: EventBus | undefined;
  readonly #now: () => number;

  constructor(options: AuditLogOptions = {}) {
    this.#logger = options.logger;
    this.#sinks = options.sinks ?? (options.logger ? [new LoggerAuditSink(options.logger)] : []);
    this.#bus = options.bus;
    this.#now = options.now ?? Date.now;
  }

  record(input: AuditInput): void {
    let event: AuditEvent;
    try {
      event = this.#complete(input);
    } catch (err) {
      this.#logger?.error({ err, auditType: input.type }, 'audit: could not build the event');
      return;
    }
    for (const sink of this.#sinks) this.#write(sink, event);
    if (this.#bus) {
      this.#bus.emit(AuthAuditEvent, event).catch((err: unknown) => {
        this.#logger?.warn({ err, auditType: event.type }, 'audit: emitting on the event bus failed');
      });
    }
  }

  #complete(input: AuditInput): AuditEvent {
    const rc = currentContext();
    const ctx = rc?.ctx;
    const userAgent = input.userAgent ?? (ctx?.get('user-agent') || undefined);
    const tenantId = input.tenantId ?? rc?.tenant?.id ?? rc?.principal?.tenantId;
    const event: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
      ...input,
      at: input.at ?? new Date(this.#now()).toISOString(),
    };
    const ip = input.ip ?? ctx?.ip;
    if (ip) event.ip = ip;
    if (userAgent !== undefined) event.userAgent = userAgent.slice(0, MAX_USER_AGENT);
    const requestId = input.requestId ?? rc?.requestId;
    if (requestId !== undefined) event.requestId = requestId;
    if (tenantId !== undefined) event.tenantId = tenantId;
    if (input.reason !== undefined && looksSecret(input.reason)) {
      event.reason = '[dropped]';
      this.#warnDropped(input.type, ['reason']);
    }
    if (input.data !== undefined) {
      const { data, dropped } = dropSecrets(input.data);
      event.data = Object.freeze(data);
      if (dropped.length > 0) this.#warnDropped(input.type, dropped);
    }
    return Object.freeze(event);
  }

  #warnDropped(type: string, fields: string[]): void {
    // Names only: the values are what must not reach the log.
    this.#logger?.warn({ auditType: type, fields }, 'audit: dropped secret-looking values');
  }

  #write(sink: AuditSink, event: AuditEvent): void {
    try {
      const pending = sink.write(event);
      if (pending instanceof Promise) pending.catch((err: unknown) => this.#sinkFailed(err, event));
    } catch (err) {
      this.#sinkFailed(err, event);
    }
  }

  #sinkFailed(err: unknown, event: AuditEvent): void {
    this.#logger?.error({ err, auditType: event.type }, 'audit: a sink failed to write an event');
  }
}
