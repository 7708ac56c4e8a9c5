import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/index.js';
import { connectionOptionsFromConfig, redisConfigSchema } from '../../src/redis/config.js';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { reconnectDelay } from '../../src/redis/reconnect.js';
import { describeTarget, hostPortOfUrl, parseEndpoint } from '../../src/redis/target.js';

describe('Redis targets', () => {
  it('names host:port and never the credentials', () => {
    expect(hostPortOfUrl('redis://user:pw@cache.internal:6380/2')).toBe('cache.internal:6380');
    expect(hostPortOfUrl('rediss://:pw@cache.internal')).toBe('cache.internal:6379');
    expect(describeTarget({})).toBe('127.0.0.1:6379');
    expect(
      describeTarget({
        cluster: { nodes: ['10.0.0.1:7000', { host: '10.0.0.2', port: 7001 }, 'redis://:pw@10.0.0.3:7002'] },
      }),
    ).toBe('cluster 10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002');
    expect(describeTarget({ sentinel: { name: 'main', sentinels: ['10.0.0.9'] } })).toBe(
      'sentinel main via 10.0.0.9:26379',
    );
  });

  it('parses endpoints given as strings', () => {
    expect(parseEndpoint('h:1')).toEqual({ host: 'h', port: 1 });
    expect(parseEndpoint('h')).toEqual({ host: 'h', port: 6379 });
    expect(parseEndpoint('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    expect(parseEndpoint({ host: 'h', port: 2 })).toEqual({ host: 'h', port: 2 });
  });

  it('rejects conflicting or malformed options at once', () => {
    expect(() => createRedisConnection({ url: 'redis://h', cluster: { nodes: ['h:1'] } })).toThrow(/only one/);
    expect(() => createRedisConnection({ url: 'http://h' })).toThrow(/redis:\/\//);
    expect(() => createRedisConnection({ cluster: { nodes: [] } })).toThrow(/empty/);
  });
});

describe('reconnectDelay', () => {
  it('backs off exponentially with jitter, capped, and never gives up', () => {
    const delay = reconnectDelay({ minDelayMs: 50, maxDelayMs: 2000 });
    for (let i = 0; i < 200; i += 1) {
      expect(delay(1)).toBeGreaterThanOrEqual(40);
      expect(delay(1)).toBeLessThanOrEqual(60);
      expect(delay(4)).toBeGreaterThanOrEqual(320);
      expect(delay(4)).toBeLessThanOrEqual(480);
      expect(delay(1000)).toBeLessThanOrEqual(2000);
      expect(delay(1000)).toBeGreaterThanOrEqual(1600);
    }
  });
});

describe('redis config section', () => {
  const load = (redis: Record<string, unknown>) =>
    Config.load({ file: false, env: {}, overrides: { redis } }).section('redis', redisConfigSchema);

  it('fills defaults and maps to connection options', () => {
    const config = load({ url: 'redis://:pw@h:1' });
    expect(config).toMatchObject({
      keyPrefix: '',
      connectTimeoutMs: 5000,
      commandTimeoutMs: 1000,
      requireOnStart: true,
    });
    expect(connectionOptionsFromConfig(config)).toMatchObject({ url: 'redis://:pw@h:1', maxRetriesPerRequest: 1 });
    expect(connectionOptionsFromConfig(load({}))).not.toHaveProperty('url');
  });

  it('passes cluster credentials to every node connection', () => {
    const options = connectionOptionsFromConfig(load({ cluster: { nodes: ['h:1'], password: 'pw', tls: true } }));
    expect(options.cluster?.options?.redisOptions).toEqual({ password: 'pw', tls: {} });
  });

  it('names the bad key, and never shows the URL, when the URL is malformed', () => {
    expect(() => load({ url: 'http://user:secretpw@h' })).toThrow(/redis\.url/);
    expect(() => load({ url: 'http://user:secretpw@h' })).not.toThrow(/secretpw/);
  });

  it('env can set the URL; printing the config redacts it', () => {
    const config = Config.load({ file: false, env: { KOAFORGE_REDIS__URL: 'redis://:secretpw@h:1' } });
    config.section('redis', redisConfigSchema);
    expect(JSON.stringify(config)).not.toContain('secretpw');
    expect(config.explain('redis.url')).toMatchObject({ value: '[REDACTED]', layer: 'env' });
  });
});
