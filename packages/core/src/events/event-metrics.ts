import type { Counter, Registry } from 'prom-client';
import { sharedCounter } from '../metrics/shared-metric.js';
import type { DropReason } from './envelope.js';

interface Inc {
  inc(): void;
}

// Several buses on one registry (or a re-created one in tests) share the counters.
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return sharedCounter(registry, { name, help, labelNames });
}

/**
 * The event bus counters. Label children are cached per event name; names come from code
 * (`defineEvent`) or from remote messages that have a local handler, so the set stays bounded.
 */
export class EventMetrics {
  readonly #emitted: Counter<'event'>;
  readonly #received: Counter<'event'>;
  readonly #handlerErrors: Counter<'event'>;
  readonly #publishFailures: Counter<'event'>;
  readonly #dropped: Counter<'reason'>;
  readonly #children = new Map<string, { emitted: Inc; received: Inc; handlerErrors: Inc; publishFailures: Inc }>();

  constructor(registry: Registry) {
    this.#emitted = counter(registry, 'events_emitted_total', 'Events emitted by this instance', ['event']);
    this.#received = counter(
      registry,
      'events_received_total',
      'Events received from other instances and delivered to local handlers',
      ['event'],
    );
    this.#handlerErrors = counter(registry, 'events_handler_errors_total', 'Event handlers that threw or rejected', [
      'event',
    ]);
    this.#publishFailures = counter(
      registry,
      'events_publish_failures_total',
      'Events that could not be published to other instances (delivered locally only)',
      ['event'],
    );
    this.#dropped = counter(
      registry,
      'events_dropped_total',
      'Messages from other instances dropped: too large, not JSON, not an envelope, or an invalid payload',
      ['reason'],
    );
  }

  #for(event: string) {
    let c = this.#children.get(event);
    if (!c) {
      c = {
        emitted: this.#emitted.labels(event),
        received: this.#received.labels(event),
        handlerErrors: this.#handlerErrors.labels(event),
        publishFailures: this.#publishFailures.labels(event),
      };
      this.#children.set(event, c);
    }
    return c;
  }

  emitted(event: string): void {
    this.#for(event).emitted.inc();
  }

  received(event: string): void {
    this.#for(event).received.inc();
  }

  handlerError(event: string): void {
    this.#for(event).handlerErrors.inc();
  }

  publishFailure(event: string): void {
    this.#for(event).publishFailures.inc();
  }

  dropped(reason: DropReason): void {
    this.#dropped.labels(reason).inc();
  }
}
