import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineEvent } from '../../src/events/event.js';
import { EventBusToken } from '../../src/events/event-bus.js';
import { eventBusPlugin } from '../../src/events/plugin.js';
import type { App } from '../../src/index.js';
import { redisPlugin } from '../../src/redis/plugin.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { testApp } from '../helpers.js';

const Hello = defineEvent<{ to: string }>('hello');

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

let running: App[] = [];
afterEach(async () => {
  await Promise.all(running.map((a) => a.stop()));
  running = [];
});

function app(overrides: Record<string, unknown>, withRedis: boolean) {
  const { app } = testApp({ config: { file: false, env: {}, overrides } });
  running.push(app);
  if (withRedis) app.register(redisPlugin);
  app.register(eventBusPlugin);
  return app;
}

describe('eventBusPlugin', () => {
  it('uses the in-process transport without Redis', async () => {
    const a = app({}, false);
    await a.start();
    const bus = a.container.resolve(EventBusToken);
    expect(bus.transport).toBe('memory');
    const got: string[] = [];
    bus.on(Hello, (p) => {
      got.push(p.to);
    });
    await bus.emit(Hello, { to: 'world' });
    expect(got).toEqual(['world']);
  });

  it('auto: uses Redis when the redis plugin is registered; two apps hear each other once', async () => {
    const config = { redis: { url: redis.url, keyPrefix: 'plug:' } };
    const a = app(config, true);
    const b = app(config, true);
    await Promise.all([a.start(), b.start()]);
    const busA = a.container.resolve(EventBusToken);
    const busB = b.container.resolve(EventBusToken);
    expect(busA.transport).toBe('redis');
    const gotA: string[] = [];
    const gotB: string[] = [];
    busA.on(Hello, (p) => {
      gotA.push(p.to);
    });
    busB.on(Hello, (p) => {
      gotB.push(p.to);
    });
    await busA.emit(Hello, { to: 'b' });
    await vi.waitFor(() => expect(gotB).toEqual(['b']));
    await new Promise((r) => setTimeout(r, 50));
    expect(gotA).toEqual(['b']);
  });

  it('memory when configured, even with Redis', async () => {
    const a = app({ redis: { url: redis.url }, events: { transport: 'memory' } }, true);
    await a.start();
    expect(a.container.resolve(EventBusToken).transport).toBe('memory');
  });

  it('fails the start when transport is redis and no Redis connection is registered', async () => {
    const a = app({ events: { transport: 'redis' } }, false);
    await expect(a.start()).rejects.toThrow(/no Redis connection is registered/);
  });
});
