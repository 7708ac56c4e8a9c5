import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineEvent } from '../../src/events/event.js';
import { EventBus } from '../../src/events/event-bus.js';
import { RedisEventTransport } from '../../src/events/redis-transport.js';
import type { RedisConnection } from '../../src/redis/connection.js';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';

const Ping = defineEvent<{ n: number }>('ping');
const silent = pino({ level: 'silent' });

let redis: RedisServerHandle;
let open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  // Buses first (unsubscribe), then their connections.
  for (const c of open.reverse()) await c.close().catch(() => undefined);
  open = [];
});

function connection(prefix: string): RedisConnection {
  const c = createRedisConnection({
    url: redis.url,
    keyPrefix: prefix,
    reconnect: { maxDelayMs: 100 },
    logger: silent,
  });
  open.push(c);
  return c;
}

/**
 * A bare ioredis client behind the interface (no fail-fast, offline queue on): the transport must
 * not depend on what createRedisConnection adds.
 */
function plainConnection(prefix: string): RedisConnection {
  const client = new Redis(redis.url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  let sub: Redis | undefined;
  const c = {
    client,
    keyPrefix: prefix,
    key: (...parts: string[]) => prefix + parts.join(':'),
    subscriber() {
      if (!sub) {
        sub = client.duplicate();
        sub.on('error', () => undefined);
      }
      return sub;
    },
    async close() {
      client.disconnect();
      sub?.disconnect();
    },
  };
  open.push(c);
  return c as unknown as RedisConnection;
}

type MakeConnection = (prefix: string) => RedisConnection;

/** One "instance": its own connection and bus, as two processes would have. */
async function instance(prefix: string, name: string, metrics = new Registry(), make: MakeConnection = connection) {
  const conn = make(prefix);
  if (make === connection) await conn.connect();
  const bus = new EventBus({
    transport: new RedisEventTransport({ connection: conn, publishTimeoutMs: 500, logger: silent }),
    instanceId: name,
    metrics,
    logger: silent,
  });
  open.push(bus);
  await bus.start();
  const received: Array<{ n: number; local: boolean; origin: string }> = [];
  bus.on(Ping, (p, meta) => {
    received.push({ n: p.n, local: meta.local, origin: meta.origin });
  });
  return { conn, bus, received, metrics };
}

async function counterValue(metrics: Registry, name: string, labels: Record<string, string>) {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisEventTransport with a real redis-server', () => {
  it('an event emitted on A reaches handlers on A exactly once and on B exactly once', async () => {
    const a = await instance('t1:', 'A');
    const b = await instance('t1:', 'B');
    await a.bus.emit(Ping, { n: 1 });
    expect(a.received).toEqual([{ n: 1, local: true, origin: 'A' }]); // local delivery at emit
    await vi.waitFor(() => expect(b.received).toHaveLength(1));
    await b.bus.emit(Ping, { n: 2 });
    await vi.waitFor(() => expect(a.received).toHaveLength(2));
    await pause(100); // room for any duplicate to show up
    expect(a.received).toEqual([
      { n: 1, local: true, origin: 'A' },
      { n: 2, local: false, origin: 'B' },
    ]);
    expect(b.received).toEqual([
      { n: 1, local: false, origin: 'A' },
      { n: 2, local: true, origin: 'B' },
    ]);
    expect(await counterValue(b.metrics, 'events_received_total', { event: 'ping' })).toBe(1);
  });

  it('uses the key prefix for the channel, so apps sharing a Redis do not hear each other', async () => {
    const a = await instance('app1:', 'A');
    const other = await instance('app2:', 'X');
    expect((a.bus as unknown as { transport: string }).transport).toBe('redis');
    await a.bus.emit(Ping, { n: 1 });
    await pause(100);
    expect(other.received).toEqual([]);
  });

  it('drops and counts malformed messages on the channel, and keeps working', async () => {
    const a = await instance('t2:', 'A');
    const channel = a.conn.key('events');
    const raw = connection('');
    await raw.client.publish(channel, '{not json');
    await raw.client.publish(channel, JSON.stringify({ hello: 'world' }));
    await raw.client.publish(channel, JSON.stringify([1, 2]));
    await raw.client.publish(channel, 'x'.repeat(2 * 1024 * 1024));
    await vi.waitFor(async () => {
      expect(await counterValue(a.metrics, 'events_dropped_total', { reason: 'json' })).toBe(1);
      expect(await counterValue(a.metrics, 'events_dropped_total', { reason: 'shape' })).toBe(2);
      expect(await counterValue(a.metrics, 'events_dropped_total', { reason: 'too_large' })).toBe(1);
    });
    const b = await instance('t2:', 'B');
    await b.bus.emit(Ping, { n: 9 });
    await vi.waitFor(() => expect(a.received).toEqual([{ n: 9, local: false, origin: 'B' }]));
  });

  it.each([
    ['createRedisConnection', connection],
    ['a plain ioredis client', plainConnection],
  ])(
    'Redis down: local delivery works and the publish failure is counted; back up: delivery resumes (%s)',
    async (_, make) => {
      const a = await instance('t3:', 'A', new Registry(), make);
      const b = await instance('t3:', 'B', new Registry(), make);
      await a.bus.emit(Ping, { n: 1 });
      await vi.waitFor(() => expect(b.received).toHaveLength(1));

      await redis.kill();
      await vi.waitFor(() => expect(a.conn.client.status).not.toBe('ready'), { timeout: 5000 });
      await expect(a.bus.emit(Ping, { n: 2 })).resolves.toBeUndefined();
      expect(a.received.map((r) => r.n)).toEqual([1, 2]);
      expect(await counterValue(a.metrics, 'events_publish_failures_total', { event: 'ping' })).toBe(1);

      await redis.restart();
      // Same buses, same connections: ioredis reconnects and re-subscribes by itself.
      let n = 100;
      await vi.waitFor(
        async () => {
          await a.bus.emit(Ping, { n: ++n });
          await pause(20);
          expect(b.received.some((r) => r.n > 100)).toBe(true);
        },
        { timeout: 10_000, interval: 50 },
      );
      // Once up, every event arrives exactly once.
      const before = b.received.length;
      await a.bus.emit(Ping, { n: 1000 });
      await vi.waitFor(() => expect(b.received.filter((r) => r.n === 1000)).toHaveLength(1));
      await pause(100);
      expect(b.received).toHaveLength(before + 1);
      expect(a.received.filter((r) => r.n === 1000)).toHaveLength(1);
    },
  );

  it('starts while Redis is down (local delivery only) and subscribes once it is back', async () => {
    const b = await instance('t5:', 'B');
    await redis.kill();
    const conn = connection('t5:');
    const metrics = new Registry();
    const a = new EventBus({
      transport: new RedisEventTransport({ connection: conn, subscribeTimeoutMs: 200, publishTimeoutMs: 200 }),
      instanceId: 'A',
      metrics,
    });
    open.push(a);
    const got: Array<{ n: number; local: boolean }> = [];
    a.on(Ping, (p, meta) => {
      got.push({ n: p.n, local: meta.local });
    });
    await a.start();
    await a.emit(Ping, { n: 1 });
    expect(got).toEqual([{ n: 1, local: true }]);
    expect(await counterValue(metrics, 'events_publish_failures_total', { event: 'ping' })).toBe(1);
    await redis.restart();
    let n = 100;
    await vi.waitFor(
      async () => {
        await b.bus.emit(Ping, { n: ++n });
        await pause(20);
        expect(got.some((r) => !r.local)).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it('rejects emit on publish failure when configured', async () => {
    const conn = connection('t4:');
    await conn.connect();
    const bus = new EventBus({
      transport: new RedisEventTransport({ connection: conn, maxMessageBytes: 100 }),
      throwOnPublishError: true,
    });
    open.push(bus);
    const got: number[] = [];
    const Big = defineEvent<{ blob: string }>('big');
    bus.on(Big, (p) => {
      got.push(p.blob.length);
    });
    await expect(bus.emit(Big, { blob: 'x'.repeat(500) })).rejects.toThrow(/larger than 100 bytes/);
    expect(got).toEqual([500]); // local handlers still ran
  });
});
