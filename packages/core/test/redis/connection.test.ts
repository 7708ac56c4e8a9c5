import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { HealthRegistry } from '../../src/health/health-registry.js';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { redisHealthCheck } from '../../src/redis/health.js';
import { freePort, type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { memoryLogger, sample, sleep, waitFor } from './support.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

describe('createRedisConnection (real redis-server)', () => {
  it('connects lazily: nothing happens before the first command', async () => {
    const conn = createRedisConnection({ url: redis.url });
    expect(conn.client.status).toBe('wait');
    await sleep(50);
    expect(conn.client.status).toBe('wait');
    expect(await conn.client.set('lazy', '1')).toBe('OK');
    expect(conn.client.status).toBe('ready');
    expect(await conn.client.get('lazy')).toBe('1');
    await conn.close();
    expect(conn.client.status).toBe('end');
  });

  it('connect() connects eagerly and resolves once ready', async () => {
    const conn = createRedisConnection({ url: redis.url });
    await conn.connect();
    expect(conn.client.status).toBe('ready');
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
    await conn.close();
  });

  it('key() applies the prefix itself; ioredis does not prefix again', async () => {
    const conn = createRedisConnection({ url: redis.url, keyPrefix: 'shop:' });
    const plain = createRedisConnection({ url: redis.url });
    try {
      expect(conn.keyPrefix).toBe('shop:');
      expect(conn.key('cart', '42')).toBe('shop:cart:42');
      expect(plain.key('cart', '42')).toBe('cart:42');
      await conn.client.set(conn.key('cart', '42'), 'full');
      // The raw key is exactly what key() returned: no second prefix from ioredis.
      expect(await plain.client.get('shop:cart:42')).toBe('full');
      expect(await plain.client.exists('shop:shop:cart:42')).toBe(0);
      // Lua sees the same names the app built.
      const fromLua = await conn.client.eval('return redis.call("GET", KEYS[1])', 1, conn.key('cart', '42'));
      expect(fromLua).toBe('full');
    } finally {
      await Promise.all([conn.close(), plain.close()]);
    }
  });

  it('the subscriber is a separate, lazily made connection that receives published messages', async () => {
    const conn = createRedisConnection({ url: redis.url, keyPrefix: 'app:' });
    const sub = conn.subscriber();
    expect(sub).not.toBe(conn.client);
    expect(conn.subscriber()).toBe(sub);
    expect(sub.status).toBe('wait');
    const received = new Promise<[string, string]>((resolve) => {
      sub.on('message', (channel: string, message: string) => resolve([channel, message]));
    });
    await sub.subscribe(conn.key('news'));
    expect(await conn.client.publish(conn.key('news'), 'hello')).toBe(1);
    expect(await received).toEqual(['app:news', 'hello']);
    // The command connection is not in subscriber mode.
    expect(await conn.client.get('lazy')).toBeDefined();
    await conn.close();
    expect(sub.status).toBe('end');
    expect(conn.client.status).toBe('end');
    expect(() => conn.subscriber()).toThrow(/closed/);
  });

  it('close() of a connection that never connected ends it without connecting', async () => {
    const conn = createRedisConnection({ url: redis.url });
    let connected = false;
    conn.client.on('connect', () => {
      connected = true;
    });
    await conn.close();
    await conn.close();
    expect(conn.client.status).toBe('end');
    expect(connected).toBe(false);
  });

  it('names the target without the password when Redis cannot be reached', async () => {
    const port = await freePort();
    const logger = memoryLogger();
    const conn = createRedisConnection({ url: `redis://:secretpw@127.0.0.1:${port}`, logger });
    try {
      expect(conn.target).toBe(`127.0.0.1:${port}`);
      const err = await conn.connect({ timeoutMs: 300 }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(hasErrorCode(err, 'REDIS_UNAVAILABLE')).toBe(true);
      expect(err?.message).toContain(`127.0.0.1:${port}`);
      expect(err?.message).toContain('within 300 ms');
      expect(err?.message).not.toContain('secretpw');
      // A command on a link whose first attempt failed rejects (nothing is queued for later).
      await expect(conn.client.get('x')).rejects.toThrow(/unavailable/);
      expect((conn.client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);
      expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(JSON.stringify(logger.lines)).not.toContain('secretpw');
    } finally {
      await conn.close();
    }
    expect(conn.client.status).toBe('end');
  });

  it('Redis goes away: health fails within its timeout, commands reject fast, the same client recovers', async () => {
    const logger = memoryLogger();
    const registry = new Registry();
    const conn = createRedisConnection({ url: redis.url, logger, metrics: registry, reconnect: { maxDelayMs: 200 } });
    const health = new HealthRegistry();
    health.add(redisHealthCheck(conn, { timeoutMs: 500 }));
    health.setPhase('ready');
    const client = conn.client;
    try {
      await conn.connect();
      expect((await health.readiness()).checks.redis?.status).toBe('ok');

      await redis.kill();
      await waitFor(() => client.status !== 'ready', 2000, 'the client to notice');

      const report = await health.readiness();
      expect(report.status).toBe('fail');
      expect(report.checks.redis?.status).toBe('fail');

      // Fail fast: every command rejects with REDIS_UNAVAILABLE and none waits in a queue.
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => client.get(`k${i}`)));
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(50);
      const first = results[0];
      expect(first?.status === 'rejected' && hasErrorCode(first.reason, 'REDIS_UNAVAILABLE')).toBe(true);
      expect((client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);

      // Several reconnection attempts fail meanwhile; the log gets one line for the outage.
      await sleep(700);
      expect(logger.lines.filter((l) => l.msg.includes('lost'))).toHaveLength(1);
      expect(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toHaveLength(1);

      await redis.restart();
      await waitFor(
        () =>
          conn.ping().then(
            () => true,
            () => false,
          ),
        5000,
        'the client to reconnect',
      );
      expect(conn.client).toBe(client);
      expect(await client.set('after', 'x')).toBe('OK');
      expect(await client.get('after')).toBe('x');
      expect((await health.readiness()).checks.redis?.status).toBe('ok');
      const restored = logger.lines.filter((l) => l.msg.includes('restored'));
      expect(restored).toHaveLength(1);
      expect(restored[0]?.fields.downForMs).toBeGreaterThan(0);

      const text = await registry.metrics();
      expect(sample(text, 'redis_command_errors_total{command="get"}')).toBeGreaterThanOrEqual(50);
      expect(sample(text, 'redis_command_duration_seconds_count{command="get"}')).toBeGreaterThanOrEqual(51);
      expect(sample(text, 'redis_command_duration_seconds_count{command="set"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'redis_connection_up{role="client"}')).toBe(1);
      expect(sample(text, 'redis_reconnections_total{role="client"}')).toBe(1);
    } finally {
      await conn.close();
    }
    expect(sample(await registry.metrics(), 'redis_connection_up{role="client"}')).toBe(0);
  }, 20_000);

  it('close() while Redis is down ends the client at once (no reconnect timer left behind)', async () => {
    const conn = createRedisConnection({ url: redis.url, reconnect: { minDelayMs: 1000, maxDelayMs: 1000 } });
    await conn.connect();
    const pending = conn.subscriber();
    await pending.subscribe('x');
    await redis.kill();
    try {
      await waitFor(() => conn.client.status === 'reconnecting', 2000, 'reconnecting');
      const queued = pending.subscribe('y');
      await conn.close();
      expect(conn.client.status).toBe('end');
      expect(pending.status).toBe('end');
      await expect(queued).rejects.toThrow(/closed/i);
    } finally {
      await redis.restart();
    }
  });
});
