import { randomUUID } from 'node:crypto';
import type { Mailer, MailMessage } from './mailer.js';

/** A message kept by {@link MemoryOutbox}. */
export interface OutboxMessage extends MailMessage {
  readonly id: string;
  /** ISO time it was "sent". */
  readonly sentAt: string;
}

export interface MemoryOutboxOptions {
  /** Messages kept; the oldest go first. Default 100. */
  capacity?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * A mailer that keeps the last messages in memory instead of sending them: development and tests.
 * The showcase shows them at `GET /dev/mailbox` outside production. They hold live reset links,
 * so never expose an outbox in production.
 */
export class MemoryOutbox implements Mailer {
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #messages: OutboxMessage[] = [];

  constructor(options: MemoryOutboxOptions = {}) {
    this.#capacity = options.capacity ?? 100;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) {
      throw new RangeError(`MemoryOutbox capacity must be a whole number ≥ 1 (got ${this.#capacity})`);
    }
    this.#now = options.now ?? Date.now;
  }

  async send(message: MailMessage): Promise<void> {
    this.#messages.push(
      Object.freeze({
        id: randomUUID(),
        sentAt: new Date(this.#now()).toISOString(),
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html !== undefined && { html: message.html }),
      }),
    );
    if (this.#messages.length > this.#capacity) this.#messages.splice(0, this.#messages.length - this.#capacity);
  }

  /** Oldest first. With `to`, only the messages to that address. */
  messages(filter: { to?: string } = {}): OutboxMessage[] {
    const to = filter.to?.toLowerCase();
    return this.#messages.filter((m) => to === undefined || m.to.toLowerCase() === to);
  }

  clear(): void {
    this.#messages.length = 0;
  }
}
