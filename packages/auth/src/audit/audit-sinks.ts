import type { Logger } from '@koaforge/core';
import type { AuditEvent } from './audit-event.js';

/** Where audit events are written: a log, a database table, a SIEM forwarder. */
export interface AuditSink {
  /** Errors (thrown or rejected) are logged by `AuditLog` and never reach the audited flow. */
  write(event: AuditEvent): void | Promise<void>;
}

/**
 * Writes each event as one info line `{ audit: event }` with the message `audit <type>`; core's
 * logger redaction and masking still apply. The default sink of `AuditLog`.
 */
export class LoggerAuditSink implements AuditSink {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  write(event: AuditEvent): void {
    this.#logger.info({ audit: event }, `audit ${event.type}`);
  }
}

/** Keeps the last `capacity` events in memory (tests, development consoles). */
export class MemoryAuditSink implements AuditSink {
  readonly #capacity: number;
  readonly #events: AuditEvent[] = [];

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity ?? 1000;
  }

  write(event: AuditEvent): void {
    this.#events.push(event);
    if (this.#events.length > this.#capacity) this.#events.splice(0, this.#events.length - this.#capacity);
  }

  /** Oldest first. */
  events(): AuditEvent[] {
    return [...this.#events];
  }

  clear(): void {
    this.#events.length = 0;
  }
}
