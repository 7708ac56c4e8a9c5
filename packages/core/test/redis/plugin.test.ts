import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/kernel/app.js';
import { definePlugin } from '../../src/kernel/plugin.js';
import { type RedisConnection, RedisConnectionToken } from '../../src/redis/connection.js';
import { redisPlugin } from '../../src/redis/plugin.js';
import { freePort, type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { sample } from './support.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

function redisApp(section: Record<string, unknown>) {
  const app = createApp({
    config: { file: false, env: {}, overrides: { redis: section } },
    logger: { level: 'silent' },
  });
  app.register(redisPlugin);
  return app;
}

describe('redisPlugin in a kernel app (real redis-server)', () => {
  it('registers the connection, reports it in /readyz and /metrics, and closes it on stop', async () => {
    const app = redisApp({ url: redis.url, keyPrefix: 'app:' });
    const { port } = await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    const conn = app.container.resolve(RedisConnectionToken);
    try {
      expect(conn.client.status).toBe('ready');
      expect(conn.key('a')).toBe('app:a');
      await conn.client.set(conn.key('a'), '1');
      expect(await conn.client.get(conn.key('a'))).toBe('1');
      conn.subscriber();

      const ready = await fetch(`${base}/readyz`);
      const body = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(ready.status).toBe(200);
      expect(body.checks.redis?.status).toBe('ok');

      const text = await (await fetch(`${base}/metrics`)).text();
      expect(sample(text, 'redis_command_duration_seconds_count{command="set"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'redis_command_duration_seconds_count{command="ping"}')).toBeGreaterThanOrEqual(1);
      expect(text).toContain('redis_command_errors_total');
      expect(sample(text, 'redis_connection_up{role="client"}')).toBe(1);
    } finally {
      await app.stop();
    }
    expect(conn.client.status).toBe('end');
    expect(conn.subscriber).toThrow();
  });

  it('fails the start with a clear error naming host:port (never the password) when Redis is unreachable', async () => {
    const port = await freePort();
    const app = redisApp({ url: `redis://:secretpw@127.0.0.1:${port}`, connectTimeoutMs: 300 });
    let conn: RedisConnection | undefined;
    app.register(
      definePlugin({
        name: 'store',
        dependsOn: ['redis'],
        setup(ctx) {
          conn = ctx.container.resolve(RedisConnectionToken);
        },
      }),
    );
    const err = await app.start().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.message).toMatch(
      new RegExp(`Plugin "redis" failed in start: Could not connect to Redis at 127\\.0\\.0\\.1:${port} within 300 ms`),
    );
    expect(err?.message).not.toContain('secretpw');
    expect(app.state).toBe('failed');
    // The connection was closed by the failed start: nothing keeps reconnecting in the background.
    expect(conn?.client.status).toBe('end');
  });

  it('redacts the password when the config is printed', async () => {
    const app = redisApp({ url: 'redis://:secretpw@127.0.0.1:1234', requireOnStart: false, connectTimeoutMs: 200 });
    await app.start();
    try {
      expect(JSON.stringify(app.config)).not.toContain('secretpw');
      expect(JSON.stringify(app.config.redacted())).not.toContain('secretpw');
      expect(app.config.explain('redis.url')?.value).toBe('[REDACTED]');
      // requireOnStart: false starts anyway; readiness tells the truth.
      const report = await app.health.readiness();
      expect(report.status).toBe('fail');
      expect(report.checks.redis?.status).not.toBe('ok');
      expect(JSON.stringify(report)).not.toContain('secretpw');
    } finally {
      await app.stop();
    }
  });

  it('rejects a config that names more than one kind of target', async () => {
    const app = redisApp({ url: redis.url, cluster: { nodes: ['127.0.0.1:7000'] } });
    await expect(app.start()).rejects.toThrow(/give only one of url, cluster and sentinel/);
  });
});
