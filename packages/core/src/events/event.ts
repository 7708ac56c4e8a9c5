import type { z } from 'zod';

/**
 * A typed event: its name on the wire and, optionally, a zod schema that payloads arriving from
 * other instances must pass (local emits are checked by the compiler instead).
 */
export interface EventDefinition<T> {
  readonly name: string;
  readonly schema: z.ZodType<T> | undefined;
  /** Phantom: never set at run time. */
  readonly __payload?: T;
}

/** The payload type of an event definition. */
export type EventPayload<E> = E extends EventDefinition<infer T> ? T : never;

/** What a handler learns about the event besides its payload. */
export interface EventMeta {
  /** Unique id of this emission (the same on every instance that receives it). */
  readonly id: string;
  readonly event: string;
  /** Instance id of the emitting bus. */
  readonly origin: string;
  /** Emission time, ms since the epoch. */
  readonly at: number;
  /** True when emitted by this bus, false when it came from another instance. */
  readonly local: boolean;
}

export type EventHandler<T> = (payload: T, meta: EventMeta) => unknown;

const NAME_RE = /^[A-Za-z0-9][\w.:/-]{0,199}$/;

/**
 * Define an event. With a schema, the payload type is the schema's output and payloads received
 * from other instances are validated (invalid ones are dropped and counted).
 *
 * @example
 * export const OrderPlaced = defineEvent<{ orderId: string; total: number }>('order.placed');
 * export const UserCreated = defineEvent('user.created', z.object({ id: z.string(), email: z.string() }));
 * bus.on(OrderPlaced, ({ orderId }) => mailer.confirm(orderId));
 * await bus.emit(OrderPlaced, { orderId: 'o-1', total: 42 });
 */
export function defineEvent<T>(name: string): EventDefinition<T>;
export function defineEvent<S extends z.ZodType>(name: string, schema: S): EventDefinition<z.output<S>>;
export function defineEvent(name: string, schema?: z.ZodType): EventDefinition<unknown> {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new TypeError(`Event name "${String(name)}" must be 1-200 characters of letters, digits and _ . : / -`);
  }
  return Object.freeze({ name, schema });
}
