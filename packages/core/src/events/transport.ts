import type { DropReason, EventEnvelope } from './envelope.js';

/** Where a transport hands what it receives. */
export interface TransportSink {
  /** A well-formed envelope from any instance (the bus drops its own). */
  deliver(envelope: EventEnvelope): void;
  /** A message that was not an envelope: dropped, counted and logged by the bus. */
  malformed(reason: DropReason, error?: unknown): void;
}

/**
 * Carries envelopes between bus instances. Local delivery is the bus's own job (at `emit`), so a
 * transport only moves events to other instances.
 */
export interface EventTransport {
  /** `memory`, `redis`… (in logs). */
  readonly kind: string;
  /** False when publishing cannot reach anyone (a memory transport without a hub): the bus skips it. */
  readonly remote: boolean;
  /** Start receiving. Resolves once subscribed, or once a failure to subscribe was handled. */
  start(sink: TransportSink): Promise<void>;
  /** Send one envelope to every instance. Rejects when it could not be handed over. */
  publish(envelope: EventEnvelope): Promise<void>;
  /** Stop receiving. Does not close connections the transport was given. */
  close(): Promise<void>;
}
