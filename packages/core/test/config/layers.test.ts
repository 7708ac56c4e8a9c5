import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Config } from '../../src/config/index.js';
import { tempDir } from './fixtures.js';

const tmp = tempDir();

/** One config with every layer setting `probe.<layer and above>` so each layer wins one key. */
function everyLayer(): Config {
  const file = tmp.write('layers.json', JSON.stringify({ probe: { file: 'file', env: 'file', override: 'file' } }));
  const config = Config.load({
    defaults: {
      probe: { default: 'default', plugin: 'default', file: 'default', env: 'default', override: 'default' },
    },
    file,
    env: { KOAFORGE_PROBE__ENV: 'env', KOAFORGE_PROBE__OVERRIDE: 'env' },
    overrides: { probe: { override: 'override' } },
  });
  config.addPluginDefaults(
    'probe',
    { plugin: 'plugin', file: 'plugin', env: 'plugin', override: 'plugin' },
    'probe-plugin',
  );
  return config;
}

describe('layer precedence', () => {
  it('lets each layer win over every layer below it', () => {
    const config = everyLayer();
    expect(config.get('probe')).toEqual({
      default: 'default',
      plugin: 'plugin',
      file: 'file',
      env: 'env',
      override: 'override',
    });
  });

  it('explains which layer and source won, and which were overridden', () => {
    const config = everyLayer();
    expect(config.explain('probe.default')).toMatchObject({ layer: 'default', source: 'defaults', overridden: [] });
    expect(config.explain('probe.plugin')).toMatchObject({
      layer: 'plugin-default',
      source: 'plugin probe-plugin',
      overridden: [{ layer: 'default', source: 'defaults' }],
    });
    expect(config.explain('probe.file')?.layer).toBe('file');
    expect(config.explain('probe.file')?.source).toMatch(/^file .*layers\.json$/);
    expect(config.explain('probe.env')).toMatchObject({ layer: 'env', source: 'env KOAFORGE_PROBE__ENV' });
    expect(config.explain('probe.override')).toMatchObject({
      key: 'probe.override',
      value: 'override',
      layer: 'override',
      source: 'overrides',
    });
    expect(config.explain('probe.override')?.overridden.map((o) => o.layer)).toEqual([
      'default',
      'plugin-default',
      'file',
      'env',
    ]);
  });

  it('keeps plugin defaults below the file even when added after load', () => {
    const file = tmp.write('plugin.json', JSON.stringify({ auth: { ttl: 60 } }));
    const config = Config.load({ file, env: {} });
    config.addPluginDefaults('auth', { ttl: 900, issuer: 'koaforge' }, 'auth');
    expect(config.get('auth')).toEqual({ ttl: 60, issuer: 'koaforge' });
  });

  it('puts plugin defaults above app defaults', () => {
    const config = Config.load({ defaults: { auth: { issuer: 'app' } }, env: {} });
    config.addPluginDefaults('auth', { issuer: 'plugin' }, 'auth');
    expect(config.get('auth.issuer')).toBe('plugin');
  });
});

describe('deep merge', () => {
  it('merges objects at every depth and replaces arrays whole', () => {
    const config = Config.load({
      env: {},
      defaults: { http: { port: 3000, cors: { origins: ['a', 'b'], credentials: false }, limits: { body: '1mb' } } },
      overrides: { http: { cors: { origins: ['c'] }, limits: { header: '8kb' } } },
    });
    expect(config.get('http')).toEqual({
      port: 3000,
      cors: { origins: ['c'], credentials: false },
      limits: { body: '1mb', header: '8kb' },
    });
  });

  it('lets a higher leaf replace a lower object and ignores undefined members', () => {
    const config = Config.load({
      env: {},
      defaults: { db: { url: 'x', pool: { max: 10 } } },
      overrides: { db: { pool: 'none', url: undefined } },
    });
    expect(config.get('db')).toEqual({ url: 'x', pool: 'none' });
  });

  it('does not change or freeze the objects the caller passed', () => {
    const defaults = { http: { port: 3000, hosts: ['a'] } };
    const config = Config.load({ env: {}, defaults, overrides: { http: { port: 4000 } } });
    expect(defaults.http.port).toBe(3000);
    expect(Object.isFrozen(defaults.http.hosts)).toBe(false);
    expect(Object.isFrozen(config.get('http'))).toBe(true);
  });

  it('keeps non-plain values (instances, functions) as opaque leaves', () => {
    const client = new (class RedisLike {
      ping(): string {
        return 'pong';
      }
    })();
    const config = Config.load({ env: {}, overrides: { redis: { client } } });
    expect(config.get('redis.client')).toBe(client);
  });
});

describe('get / has', () => {
  const config = Config.load({ env: {}, defaults: { a: { b: 0, list: ['x', 'y'], off: false, none: null } } });

  it('reads dotted paths, including array indexes', () => {
    expect(config.get('a.b')).toBe(0);
    expect(config.get('a.list.1')).toBe('y');
    expect(config.has('a.off')).toBe(true);
    expect(config.has('a.none')).toBe(true);
  });

  it('answers undefined for missing keys, bad keys and inherited properties', () => {
    expect(config.get('a.missing')).toBeUndefined();
    expect(config.has('a.b.c')).toBe(false);
    expect(config.get('')).toBeUndefined();
    expect(config.get('a..b')).toBeUndefined();
    expect(config.get('a.toString')).toBeUndefined();
    expect(config.get('a.list.length')).toBeUndefined();
  });
});

describe('explain', () => {
  const tmpFile = tmp.write('explain.json', JSON.stringify({ http: { port: 8080 } }));
  const config = Config.load({
    file: tmpFile,
    env: { KOAFORGE_HTTP__HOST: '0.0.0.0' },
    defaults: { http: { port: 3000, host: 'localhost', timeout: 5000 } },
  });

  it('explains a leaf', () => {
    expect(config.explain('http.port')).toEqual({
      key: 'http.port',
      value: 8080,
      layer: 'file',
      source: `file ${tmpFile}`,
      overridden: [{ layer: 'default', source: 'defaults' }],
    });
  });

  it('explains an object by its highest contributing layer', () => {
    const explained = config.explain('http');
    expect(explained?.value).toEqual({ port: 8080, host: '0.0.0.0', timeout: 5000 });
    expect(explained?.layer).toBe('env');
    expect(explained?.source).toBe('env KOAFORGE_HTTP__HOST');
    expect(explained?.overridden).toEqual([
      { layer: 'default', source: 'defaults' },
      { layer: 'file', source: `file ${tmpFile}` },
    ]);
  });

  it('answers undefined for a key nobody set', () => {
    expect(config.explain('http.missing')).toBeUndefined();
    expect(config.explain('nothing')).toBeUndefined();
  });
});

describe('section caching', () => {
  it('validates once per section and schema', () => {
    const config = Config.load({ env: {}, defaults: { http: { port: 3000 } } });
    let runs = 0;
    const schema = z.object({
      port: z.number().refine(() => {
        runs++;
        return true;
      }),
    });
    const first = config.section('http', schema);
    const second = config.section('http', schema);
    expect(second).toBe(first);
    expect(runs).toBe(1);

    const other = z.object({ port: z.number() });
    expect(config.section('http', other)).not.toBe(first);
  });

  it('revalidates after plugin defaults change the input', () => {
    const config = Config.load({ env: {} });
    const schema = z.object({ ttl: z.number().default(1) });
    expect(config.section('auth', schema)).toEqual({ ttl: 1 });
    config.addPluginDefaults('auth', { ttl: 2 }, 'auth');
    expect(config.section('auth', schema)).toEqual({ ttl: 2 });
  });

  it('validates an absent section as {} so defaults apply', () => {
    const config = Config.load({ env: {} });
    expect(config.section('http', z.object({ port: z.number().default(3000) }))).toEqual({ port: 3000 });
  });
});
