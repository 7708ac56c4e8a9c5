import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { createLogger } from '../../src/logging/index.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/memory-store.js';
import { RedisRateLimitStore, type RedisRateLimitStoreOptions } from '../../src/ratelimit/redis-store.js';
import type { RedisConnection } from '../../src/redis/connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { logSink } from '../helpers.js';
import { connectTestRedis, waitFor } from './redis.js';
import { runStoreContract } from './store.contract.js';

let shared: RedisServerHandle;
let sharedConnection: RedisConnection;

beforeAll(async () => {
  shared = await startRedisServer();
  sharedConnection = await connectTestRedis(shared.url, 'contract:');
});
afterAll(async () => {
  await sharedConnection?.close();
  await shared?.stop();
});

runStoreContract('memory', () => new MemoryRateLimitStore());
runStoreContract('redis', () => new RedisRateLimitStore({ connection: sharedConnection }));

describe('MemoryRateLimitStore', () => {
  it('drops expired keys by itself, so idle clients do not hold memory', async () => {
    const store = new MemoryRateLimitStore();
    const counter = store.counter({ namespace: 'rl:sweep:1s', limit: 5, seconds: 1 });
    for (let i = 0; i < 100; i++) counter.consumeSync(`ip:198.51.100.${i}`, 1);
    expect(counter.size).toBe(100);
    await waitFor(() => counter.size === 0, 3000);
    await store.close();
  });
});

describe('RedisRateLimitStore keys', () => {
  it('are <connection prefix>rl:<policy>:<window>:<key>, expiring with the window', async () => {
    const store = new RedisRateLimitStore({ connection: sharedConnection });
    const counter = store.counter({ namespace: 'rl:per-ip:1m', limit: 10, seconds: 60 });
    await counter.consume('ip:203.0.113.7', 1);
    const key = 'contract:rl:per-ip:1m:ip:203.0.113.7';
    expect(await sharedConnection.client.get(key)).toBe('1');
    const ttl = await sharedConnection.client.pttl(key);
    expect(ttl).toBeGreaterThan(58_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

/** A store on its own Redis server, which the test kills, pauses and restarts. */
async function outageSetup(options: Omit<RedisRateLimitStoreOptions, 'connection'> = {}) {
  const server = await startRedisServer();
  const connection = await connectTestRedis(server.url, 'outage:');
  const sink = logSink();
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const store = new RedisRateLimitStore({
    connection,
    logger: createLogger({ destination: sink.stream, level: 'debug' }),
    metrics: registry,
    probeIntervalMs: 100,
    ...options,
  });
  const cleanup = async () => {
    await connection.close().catch(() => undefined);
    await server.stop();
  };
  return { server, connection, store, lines: sink.lines, registry, cleanup };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const entry = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return entry?.value ?? 0;
}

const storeLines = (lines: Array<Record<string, unknown>>) =>
  lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('rate limit store'));

describe('RedisRateLimitStore when Redis goes away', () => {
  it('insurance: limits in memory at once, logs one line per change, recovers by itself', async () => {
    const s = await outageSetup({ insuranceShare: 1 / 2 });
    try {
      const counter = s.store.counter({ namespace: 'rl:p:1m', limit: 10, seconds: 60 });
      expect((await counter.consume('k', 1)).consumedPoints).toBe(1);
      await s.server.kill();
      await waitFor(() => s.connection.client.status !== 'ready');

      // Fast by construction: no command reaches ioredis, so nothing waits for a reconnect.
      const sent = vi.spyOn(s.connection.client, 'sendCommand');
      const states = [];
      for (let i = 0; i < 8; i++) states.push(await counter.consume('k', 1));
      expect(sent).not.toHaveBeenCalled();
      sent.mockRestore();
      // Insurance counts half the limit (5) in this process, reported on the scale of the full limit.
      expect(states.map((st) => st.consumedPoints <= 10)).toEqual([true, true, true, true, true, false, false, false]);
      expect(s.store.healthy).toBe(false);
      expect(await metricValue(s.registry, 'rate_limit_store_up', { store: 'redis' })).toBe(0);
      expect(await metricValue(s.registry, 'rate_limit_store_fallback_total', { mode: 'insurance' })).toBe(8);
      expect(storeLines(s.lines)).toHaveLength(1);
      expect(storeLines(s.lines)[0]).toMatchObject({ level: 40, store: 'redis', mode: 'insurance' });

      await s.server.restart();
      await waitFor(async () => {
        await counter.consume('probe', 1);
        return s.store.healthy;
      });
      // Shared counting again: the key starts afresh in the new (empty) Redis.
      expect((await counter.consume('k', 1)).consumedPoints).toBe(1);
      expect(await s.connection.client.get('outage:rl:p:1m:k')).toBe('1');
      expect(await metricValue(s.registry, 'rate_limit_store_up', { store: 'redis' })).toBe(1);
      const lines = storeLines(s.lines);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatchObject({ level: 30, store: 'redis' });
      expect(lines[1]?.msg).toContain('answers again');
    } finally {
      await s.cleanup();
    }
  });

  it('insurance: a Redis that stops answering (no disconnect) costs one timeout, then falls back at once', async () => {
    const s = await outageSetup({ timeoutMs: 100, probeIntervalMs: 2000 });
    const admin = new Redis(s.server.url);
    try {
      const counter = s.store.counter({ namespace: 'rl:p:1m', limit: 10, seconds: 60 });
      await counter.consume('k', 1);
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const sent = vi.spyOn(s.connection.client, 'sendCommand');
      // The first check is sent, waits out its timeout, and is answered by insurance memory.
      expect((await counter.consume('k', 1)).consumedPoints).toBe(1); // insurance memory: a fresh count
      expect(sent.mock.calls.length).toBeGreaterThan(0);
      sent.mockClear();
      // Then the store is known unhealthy: the next checks send nothing and fall back at once.
      for (let i = 0; i < 5; i++) await counter.consume('k', 1);
      expect(sent).not.toHaveBeenCalled();
      sent.mockRestore();
      expect(s.store.healthy).toBe(false);
      expect(storeLines(s.lines)).toHaveLength(1);
    } finally {
      admin.disconnect();
      await s.cleanup();
    }
  });

  it('open: admits everything while down', async () => {
    const s = await outageSetup({ onStoreDown: 'open' });
    try {
      const counter = s.store.counter({ namespace: 'rl:p:1m', limit: 1, seconds: 60 });
      await s.server.kill();
      await waitFor(() => s.connection.client.status !== 'ready');
      for (let i = 0; i < 3; i++) expect((await counter.consume('k', 1)).consumedPoints).toBe(0);
      expect(await metricValue(s.registry, 'rate_limit_store_fallback_total', { mode: 'open' })).toBe(3);
    } finally {
      await s.cleanup();
    }
  });

  it('closed: answers RATE_LIMIT_UNAVAILABLE (503, Retry-After) while down', async () => {
    const s = await outageSetup({ onStoreDown: 'closed' });
    try {
      const counter = s.store.counter({ namespace: 'rl:p:1m', limit: 1, seconds: 60 });
      await s.server.kill();
      await waitFor(() => s.connection.client.status !== 'ready');
      const err = await counter.consume('k', 1).catch((e: unknown) => e);
      expect(hasErrorCode(err, 'RATE_LIMIT_UNAVAILABLE')).toBe(true);
      expect(err).toMatchObject({ status: 503, retryable: true, headers: { 'Retry-After': '1' } });
    } finally {
      await s.cleanup();
    }
  });
});
