import type { Cluster } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { HealthRegistry } from '../../src/health/health-registry.js';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { redisHealthCheck } from '../../src/redis/health.js';
import { type RedisClusterHandle, startRedisCluster } from '../../src/testing/redis-cluster.js';
import { memoryLogger, sample, waitFor } from './support.js';

let cluster: RedisClusterHandle;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(() => cluster?.stop());

describe('Redis Cluster (3 real masters)', () => {
  it('spreads keys over every master and reads them back; health ok; pub/sub works', async () => {
    expect(cluster.nodes).toHaveLength(3);
    const registry = new Registry();
    const conn = createRedisConnection({ cluster: { nodes: [...cluster.nodes] }, keyPrefix: 't:', metrics: registry });
    expect(conn.target).toBe(`cluster ${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
    const client = conn.client as Cluster;
    try {
      expect(client.status).toBe('wait');
      const keys = Array.from({ length: 100 }, (_, i) => conn.key('item', String(i)));
      await Promise.all(keys.map((k, i) => client.set(k, String(i))));
      const values = await Promise.all(keys.map((k) => client.get(k)));
      expect(values).toEqual(keys.map((_, i) => String(i)));

      const masters = client.nodes('master');
      expect(masters).toHaveLength(3);
      const sizes = await Promise.all(masters.map((m) => m.dbsize()));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
      for (const size of sizes) expect(size).toBeGreaterThan(0);

      const health = new HealthRegistry();
      health.add(redisHealthCheck(conn));
      health.setPhase('ready');
      expect((await health.readiness()).checks.redis?.status).toBe('ok');

      const sub = conn.subscriber();
      const got = new Promise<string>((resolve) =>
        sub.on('message', (_channel: string, message: string) => resolve(message)),
      );
      await sub.subscribe(conn.key('events'));
      await client.publish(conn.key('events'), 'hi');
      expect(await got).toBe('hi');

      const text = await registry.metrics();
      expect(sample(text, 'redis_command_duration_seconds_count{command="set"}')).toBe(100);
      expect(sample(text, 'redis_command_duration_seconds_count{command="get"}')).toBe(100);
      expect(sample(text, 'redis_connection_up{role="client"}')).toBe(1);
    } finally {
      await conn.close();
    }
    expect(client.status).toBe('end');
  }, 30_000);

  it('rides out a lost master and a whole-cluster outage with the same client, logging each change once', async () => {
    const logger = memoryLogger();
    const conn = createRedisConnection({ cluster: { nodes: [...cluster.nodes] }, logger });
    const keys = Array.from({ length: 30 }, (_, i) => conn.key('o', String(i)));
    const allWritable = () =>
      Promise.all(keys.map((k) => conn.client.set(k, 'x'))).then(
        () => true,
        () => false,
      );
    const [first] = cluster.servers;
    try {
      await conn.connect();
      await first?.kill();
      const settled = await Promise.allSettled(keys.map((k) => conn.client.set(k, 'y')));
      // Keys of the dead master fail (bounded by the command timeout), the others may still work.
      expect(settled.some((r) => r.status === 'rejected')).toBe(true);
      await first?.restart();
      await waitFor(allWritable, 15_000, 'the master to be back');
      const lost = logger.lines.filter((l) => l.msg === 'Redis cluster node lost');
      expect(lost).toHaveLength(1);
      expect(lost[0]?.fields.node).toBe(`${first?.host}:${first?.port}`);

      await Promise.all(cluster.servers.map((s) => s.kill()));
      await waitFor(() => conn.client.status === 'reconnecting', 5000, 'the cluster client to notice');
      const down = await Promise.allSettled(keys.map((k) => conn.client.get(k)));
      expect(down.every((r) => r.status === 'rejected' && hasErrorCode(r.reason, 'REDIS_UNAVAILABLE'))).toBe(true);
      await Promise.all(cluster.servers.map((s) => s.restart()));
      await waitFor(allWritable, 15_000, 'the cluster to be back');
      expect(logger.lines.filter((l) => l.msg.startsWith('Redis connection lost'))).toHaveLength(1);
      expect(logger.lines.filter((l) => l.msg === 'Redis connection restored')).toHaveLength(1);
    } finally {
      await conn.close();
    }
    expect(conn.client.status).toBe('end');
  }, 60_000);
});
