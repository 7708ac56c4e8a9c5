import { Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastHistogram } from '../../src/metrics/fast-histogram.js';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { RedisMetrics } from '../../src/redis/metrics.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { sample } from './support.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

describe('Redis command metrics (real redis-server)', () => {
  it('times every command by lowercased name and counts reply errors', async () => {
    const registry = new Registry();
    const conn = createRedisConnection({ url: redis.url, metrics: registry });
    try {
      await conn.client.set('m:str', 'x');
      await conn.client.call('GET', 'm:str');
      await expect(conn.client.lpush('m:str', 'y')).rejects.toThrow(/WRONGTYPE/);
      await conn.client.pipeline().incr('m:n').incr('m:n').exec();
      await conn.client.multi().get('m:str').get('m:n').exec();
      const text = await registry.metrics();
      expect(sample(text, 'redis_command_duration_seconds_count{command="set"}')).toBe(1);
      // `call('GET')` and `get()` share one series.
      expect(sample(text, 'redis_command_duration_seconds_count{command="get"}')).toBe(3);
      expect(sample(text, 'redis_command_duration_seconds_count{command="lpush"}')).toBe(1);
      expect(sample(text, 'redis_command_errors_total{command="lpush"}')).toBe(1);
      expect(sample(text, 'redis_command_errors_total{command="set"}')).toBe(0);
      // Pipelines are counted per command.
      expect(sample(text, 'redis_command_duration_seconds_count{command="incr"}')).toBe(2);
      expect(sample(text, 'redis_command_duration_seconds_count{command="exec"}')).toBe(1);
      expect(text).toContain('redis_command_duration_seconds_bucket{le="0.001",command="set"}');
      expect(text).toContain('# TYPE redis_reconnections_total counter');
    } finally {
      await conn.close();
    }
  });

  it('two connections on one registry share the series instead of throwing', async () => {
    const registry = new Registry();
    const a = createRedisConnection({ url: redis.url, metrics: registry });
    const b = createRedisConnection({ url: redis.url, metrics: registry });
    try {
      await a.client.ping();
      await b.client.ping();
      expect(sample(await registry.metrics(), 'redis_command_duration_seconds_count{command="ping"}')).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps label cardinality bounded when made-up command names pour in', async () => {
    const registry = new Registry();
    const metrics = new RedisMetrics(registry);
    for (let i = 0; i < 400; i += 1) metrics.track(`custom.cmd${i}`, Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    const text = await registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('redis_command_duration_seconds_count{'));
    expect(series.length).toBeLessThanOrEqual(301);
    expect(sample(text, 'redis_command_duration_seconds_count{command="other"}')).toBe(100);
  });

  it('the latency histogram renders exactly like a prom-client Histogram fed the same values', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    for (const r of [ours, theirs]) r.setDefaultLabels({ service: 'api' });
    const fast = FastHistogram.in(ours, {
      name: 'x_seconds',
      help: 'h',
      labels: ['command'],
      buckets: [1, 0.1],
    });
    const reference = new Histogram({
      name: 'x_seconds',
      help: 'h',
      labelNames: ['command'],
      buckets: [0.1, 1],
      registers: [theirs],
    });
    const samples: Array<[string, number]> = [
      ['get', 0.05],
      ['get', 0.5],
      ['set', 2],
      ['get', 0.1],
      ['set', 0],
    ];
    for (const [command, value] of samples) {
      fast.observe(fast.series(command), value);
      reference.observe({ command }, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    const json = await ours.getMetricsAsJSON();
    expect(json[0]?.values).toContainEqual(
      expect.objectContaining({ labels: { le: '+Inf', command: 'get', service: 'api' }, value: 3 }),
    );
    expect(FastHistogram.in(ours, { name: 'x_seconds', help: 'h', labels: ['command'], buckets: [1] })).toBe(fast);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    fast.observe(fast.series('get'), 0.2);
    reference.observe({ command: 'get' }, 0.2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(() => FastHistogram.in(theirs, { name: 'x_seconds', help: 'h', labels: ['command'], buckets: [1] })).toThrow(
      /already registered/,
    );
  });
});
