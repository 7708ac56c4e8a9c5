import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { defineEvent, type EventMeta } from '../../src/events/event.js';
import { EventBus } from '../../src/events/event-bus.js';
import { MemoryEventHub, MemoryEventTransport } from '../../src/events/memory-transport.js';
import { logSink } from '../helpers.js';

const OrderPlaced = defineEvent<{ orderId: string; total: number }>('order.placed');
const UserCreated = defineEvent('user.created', z.object({ id: z.string(), email: z.string() }));

async function counterValue(metrics: Registry, name: string, labels: Record<string, string>) {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

describe('EventBus (in-process)', () => {
  it('emits typed payloads to handlers with meta, in registration order', async () => {
    const metrics = new Registry();
    const bus = new EventBus({ metrics, logger: pino({ level: 'silent' }), instanceId: 'me' });
    const seen: Array<[string, unknown, EventMeta]> = [];
    bus.on(OrderPlaced, (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ orderId: string; total: number }>();
      seen.push(['first', payload, meta]);
    });
    bus.on(OrderPlaced, async (payload, meta) => {
      seen.push(['second', payload, meta]);
    });
    bus.on(UserCreated, (u) => {
      expectTypeOf(u).toEqualTypeOf<{ id: string; email: string }>();
    });
    await bus.emit(OrderPlaced, { orderId: 'o-1', total: 42 });
    expect(seen.map(([who]) => who)).toEqual(['first', 'second']);
    expect(seen[0]?.[1]).toEqual({ orderId: 'o-1', total: 42 });
    expect(seen[0]?.[2]).toMatchObject({ event: 'order.placed', origin: 'me', local: true });
    expect(seen[0]?.[2].id).toBe(seen[1]?.[2].id);
    expect(await counterValue(metrics, 'events_emitted_total', { event: 'order.placed' })).toBe(1);
    // @ts-expect-error: the payload is checked against the event's type
    void bus.emit(OrderPlaced, { orderId: 1 });
  });

  it('awaits async handlers before emit resolves', async () => {
    const bus = new EventBus();
    let done = false;
    bus.on(OrderPlaced, async () => {
      await new Promise((r) => setTimeout(r, 20));
      done = true;
    });
    await bus.emit(OrderPlaced, { orderId: 'o', total: 1 });
    expect(done).toBe(true);
  });

  it('isolates handlers: a throwing and a rejecting handler never stop the others', async () => {
    const metrics = new Registry();
    const sink = logSink();
    const bus = new EventBus({ metrics, logger: pino({ level: 'error' }, sink.stream) });
    const ran: string[] = [];
    bus.on(OrderPlaced, function throwsSync() {
      throw new Error('sync boom');
    });
    bus.on(OrderPlaced, async function rejects() {
      await Promise.resolve();
      throw new Error('async boom');
    });
    bus.on(OrderPlaced, () => {
      ran.push('sync ok');
    });
    bus.on(OrderPlaced, async () => {
      await new Promise((r) => setTimeout(r, 5));
      ran.push('async ok');
    });
    await expect(bus.emit(OrderPlaced, { orderId: 'o-2', total: 1 })).resolves.toBeUndefined();
    expect(ran).toEqual(['sync ok', 'async ok']);
    expect(await counterValue(metrics, 'events_handler_errors_total', { event: 'order.placed' })).toBe(2);
    await vi.waitFor(() => expect(sink.lines).toHaveLength(2));
    expect(sink.lines.map((l) => [l.event, l.handler, (l.err as { message: string }).message])).toEqual([
      ['order.placed', 'throwsSync', 'sync boom'],
      ['order.placed', 'rejects', 'async boom'],
    ]);
  });

  it('unsubscribes, also from inside a running emit', async () => {
    const bus = new EventBus();
    const calls: string[] = [];
    const offB = bus.on(OrderPlaced, () => {
      calls.push('b');
    });
    const offA = bus.on(OrderPlaced, () => {
      calls.push('a');
      offB(); // must not disturb the emit in progress
    });
    await bus.emit(OrderPlaced, { orderId: '1', total: 1 });
    expect(calls).toEqual(['b', 'a']);
    await bus.emit(OrderPlaced, { orderId: '2', total: 1 });
    expect(calls).toEqual(['b', 'a', 'a']);
    offA();
    offA(); // idempotent
    await bus.emit(OrderPlaced, { orderId: '3', total: 1 });
    expect(calls).toHaveLength(3);
    expect(bus.listenerCount(OrderPlaced)).toBe(0);
  });

  it('once resolves with the next payload (with a filter), then unsubscribes', async () => {
    const bus = new EventBus();
    const next = bus.once(OrderPlaced, { filter: (o) => o.orderId === 'b' });
    expect(bus.listenerCount(OrderPlaced)).toBe(1);
    await bus.emit(OrderPlaced, { orderId: 'a', total: 1 });
    await bus.emit(OrderPlaced, { orderId: 'b', total: 2 });
    await expect(next).resolves.toEqual({ orderId: 'b', total: 2 });
    expect(bus.listenerCount(OrderPlaced)).toBe(0);
  });

  it('once rejects with TIMEOUT after timeoutMs, and with the reason on abort', async () => {
    vi.useFakeTimers();
    try {
      const bus = new EventBus();
      const p = bus.once(OrderPlaced, { timeoutMs: 1000 }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(999);
      expect(bus.listenerCount(OrderPlaced)).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      const err = await p;
      expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
      expect(bus.listenerCount(OrderPlaced)).toBe(0);

      const controller = new AbortController();
      const q = bus.once(OrderPlaced, { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort(new Error('gave up'));
      expect(((await q) as Error).message).toBe('gave up');
      expect(bus.listenerCount(OrderPlaced)).toBe(0);
      await expect(bus.once(OrderPlaced, { signal: controller.signal })).rejects.toThrow('gave up');
    } finally {
      vi.useRealTimers();
    }
  });

  it('links buses through a memory hub: each handler sees each event once, own echoes dropped', async () => {
    const hub = new MemoryEventHub();
    const metrics = new Registry();
    const a = new EventBus({ transport: new MemoryEventTransport({ hub }), instanceId: 'a', metrics });
    const b = new EventBus({ transport: new MemoryEventTransport({ hub }), instanceId: 'b' });
    await Promise.all([a.start(), b.start()]);
    const onA = vi.fn();
    const onB = vi.fn();
    a.on(OrderPlaced, onA);
    b.on(OrderPlaced, onB);
    await a.emit(OrderPlaced, { orderId: 'x', total: 3 });
    await vi.waitFor(() => expect(onB).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(onA).toHaveBeenCalledTimes(1);
    expect(onB).toHaveBeenCalledTimes(1);
    expect(onB.mock.calls[0]?.[1]).toMatchObject({ origin: 'a', local: false });

    // Payloads from elsewhere are validated against the event's schema.
    const users = vi.fn();
    a.on(UserCreated, users);
    hub.publishRaw(JSON.stringify({ id: '1', event: 'user.created', payload: { id: 7 }, origin: 'c', at: 1 }));
    hub.publishRaw('{not json');
    hub.publishRaw(JSON.stringify({ event: 'user.created' }));
    hub.publishRaw(
      JSON.stringify({ id: '2', event: 'user.created', payload: { id: '7', email: 'e' }, origin: 'c', at: 1 }),
    );
    await vi.waitFor(() => expect(users).toHaveBeenCalledTimes(1));
    expect(users.mock.calls[0]?.[0]).toEqual({ id: '7', email: 'e' });
    expect(await counterValue(metrics, 'events_dropped_total', { reason: 'invalid_payload' })).toBe(1);
    expect(await counterValue(metrics, 'events_dropped_total', { reason: 'json' })).toBe(1);
    expect(await counterValue(metrics, 'events_dropped_total', { reason: 'shape' })).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('rejects bad event names', () => {
    expect(() => defineEvent('')).toThrow(TypeError);
    expect(() => defineEvent('has space')).toThrow(TypeError);
  });
});
