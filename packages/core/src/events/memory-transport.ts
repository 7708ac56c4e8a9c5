import { decodeEnvelope, type EventEnvelope, encodeEnvelope } from './envelope.js';
import type { EventTransport, TransportSink } from './transport.js';

/**
 * Connects several buses of one process as if they were instances sharing Redis: each published
 * envelope is serialised to JSON and delivered to every attached transport on a later tick, so
 * payloads are copied and must be JSON, exactly as over the wire. For tests and single-process
 * setups that want several buses.
 */
export class MemoryEventHub {
  readonly #sinks = new Set<TransportSink>();

  attach(sink: TransportSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Deliver a raw message to every attached bus, as Redis would (also used to inject test messages). */
  publishRaw(raw: string): void {
    const sinks = [...this.#sinks];
    setImmediate(() => {
      for (const sink of sinks) {
        const decoded = decodeEnvelope(raw);
        if (decoded.ok) sink.deliver(decoded.envelope);
        else sink.malformed(decoded.reason, decoded.error);
      }
    });
  }
}

/**
 * The default transport: in-process only. Without a hub it reaches no one else (the bus delivers
 * to its own handlers itself); with a {@link MemoryEventHub} it links the buses attached to it.
 */
export class MemoryEventTransport implements EventTransport {
  readonly kind = 'memory';
  readonly remote: boolean;
  readonly #hub: MemoryEventHub | undefined;
  #detach: (() => void) | undefined;

  constructor(options: { hub?: MemoryEventHub } = {}) {
    this.#hub = options.hub;
    this.remote = this.#hub !== undefined;
  }

  async start(sink: TransportSink): Promise<void> {
    this.#detach ??= this.#hub?.attach(sink);
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    this.#hub?.publishRaw(encodeEnvelope(envelope));
  }

  async close(): Promise<void> {
    this.#detach?.();
    this.#detach = undefined;
  }
}
