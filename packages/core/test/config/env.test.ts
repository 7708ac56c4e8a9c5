import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Config } from '../../src/config/index.js';
import { tempDir, thrown } from './fixtures.js';

const tmp = tempDir();

describe('environment mapping', () => {
  it('strips the prefix, nests on __ and camelCases SNAKE_CASE segments', () => {
    const config = Config.load({
      env: {
        KOAFORGE_HTTP__BODY_LIMIT: '2mb',
        KOAFORGE_AUTH__JWT__ACCESS_TOKEN_TTL: '15m',
        KOAFORGE_LOG_LEVEL: 'debug',
        KOAFORGE_REDIS__URL2: 'redis://b',
        OTHER_HTTP__PORT: '1',
        PATH: '/usr/bin',
      },
    });
    expect(config.get('http.bodyLimit')).toBe('2mb');
    expect(config.get('auth.jwt.accessTokenTtl')).toBe('15m');
    expect(config.get('logLevel')).toBe('debug');
    expect(config.get('redis.url2')).toBe('redis://b');
    expect(config.has('path')).toBe(false);
    expect(Object.keys(config.redacted()).sort()).toEqual(['auth', 'http', 'logLevel', 'redis']);
  });

  it('uses a custom prefix', () => {
    const config = Config.load({ envPrefix: 'APP_', env: { APP_HTTP__PORT: '80', KOAFORGE_HTTP__PORT: '90' } });
    expect(config.get('http.port')).toBe(80);
  });

  it('ignores malformed names instead of guessing', () => {
    const config = Config.load({
      env: {
        KOAFORGE_: 'x',
        KOAFORGE__LEADING: 'x',
        KOAFORGE_A___B: 'x',
        'KOAFORGE_A-B': 'x',
        KOAFORGE_UNSET: undefined,
      },
    });
    expect(config.redacted()).toEqual({});
  });

  it('never reads KOAFORGE_CONFIG_FILE as a key', () => {
    const file = tmp.write('env-file.json', '{"fromFile": true}');
    const config = Config.load({ env: { KOAFORGE_CONFIG_FILE: file } });
    expect(config.get('fromFile')).toBe(true);
    expect(config.has('configFile')).toBe(false);
  });

  it('lets a specific variable win over a JSON object for its parent', () => {
    const config = Config.load({ env: { KOAFORGE_HTTP__PORT: '2', KOAFORGE_HTTP: '{"port": 1, "host": "h"}' } });
    expect(config.get('http')).toEqual({ port: 2, host: 'h' });
  });
});

describe('environment values', () => {
  const config = Config.load({
    env: {
      KOAFORGE_V__INT: '3000',
      KOAFORGE_V__FLOAT: '-1.5e2',
      KOAFORGE_V__YES: 'true',
      KOAFORGE_V__NO: 'false',
      KOAFORGE_V__NIL: 'null',
      KOAFORGE_V__LIST: '["a", 1]',
      KOAFORGE_V__OBJ: '{"a": {"b": 1}}',
      KOAFORGE_V__TEXT: '2mb',
      KOAFORGE_V__QUOTED: '"x"',
      KOAFORGE_V__ZEROS: '007',
      KOAFORGE_V__BROKEN: '{not json',
      KOAFORGE_V__EMPTY: '',
    },
  });

  it('parses JSON numbers, booleans, null, arrays and objects', () => {
    expect(config.get('v.int')).toBe(3000);
    expect(config.get('v.float')).toBe(-150);
    expect(config.get('v.yes')).toBe(true);
    expect(config.get('v.no')).toBe(false);
    expect(config.get('v.nil')).toBeNull();
    expect(config.get('v.list')).toEqual(['a', 1]);
    expect(config.get('v.obj.a.b')).toBe(1);
  });

  it('keeps everything else as the original string', () => {
    expect(config.get('v.text')).toBe('2mb');
    expect(config.get('v.quoted')).toBe('"x"');
    expect(config.get('v.zeros')).toBe('007');
    expect(config.get('v.broken')).toBe('{not json');
    expect(config.get('v.empty')).toBe('');
  });

  it('gives a string schema the raw text of a numeric-looking value', () => {
    const env = Config.load({
      env: { KOAFORGE_DB__PASSWORD: '123456', KOAFORGE_DB__PORT: '5432', KOAFORGE_DB__NAME: '1e3' },
    });
    const db = env.section('db', z.object({ password: z.string(), port: z.string(), name: z.string() }));
    expect(db).toEqual({ password: '123456', port: '5432', name: '1e3' });
  });

  it('gives a number schema the parsed number', () => {
    const env = Config.load({ env: { KOAFORGE_HTTP__PORT: '3000', KOAFORGE_HTTP__DEBUG: 'true' } });
    expect(env.section('http', z.object({ port: z.number(), debug: z.boolean() }))).toEqual({
      port: 3000,
      debug: true,
    });
  });

  it('keeps the parsed value (and its error) when the raw text does not help either', () => {
    const env = Config.load({ env: { KOAFORGE_HTTP__MODE: '42', KOAFORGE_HTTP__NAME: '7' } });
    const schema = z.object({ mode: z.enum(['fast', 'slow']), name: z.string() });
    const err = thrown(() => env.section('http', schema));
    expect(err.message).toMatch(
      /^Invalid config: http\.mode \(set by env KOAFORGE_HTTP__MODE, value 42\): Invalid option/,
    );
    // `name` was fixed by its raw text, so only `mode` is reported.
    expect(err.message).not.toContain('http.name');
  });

  it('does not use raw text for values set by other layers', () => {
    const env = Config.load({ env: {}, defaults: { db: { password: 123456 } } });
    expect(() => env.section('db', z.object({ password: z.string() }))).toThrow(/expected string, received number/);
  });
});

describe('prototype pollution', () => {
  it('ignores __proto__, constructor and prototype from env names and JSON values', () => {
    const config = Config.load({
      env: {
        KOAFORGE_CONSTRUCTOR__PROTOTYPE__POLLUTED: 'yes',
        KOAFORGE_A__PROTOTYPE: 'yes',
        KOAFORGE_B: '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "ok": 1}',
      },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(config.redacted()).toEqual({ b: { ok: 1 } });
  });

  it('ignores the same keys in a config file', () => {
    const file = tmp.write(
      'polluted.json',
      '{"__proto__": {"polluted": "yes"}, "a": {"__proto__": {"polluted": "yes"}, "prototype": 1, "b": 1}}',
    );
    const config = Config.load({ file, env: {} });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(config.redacted()).toEqual({ a: { b: 1 } });
    expect(config.get('__proto__')).toBeUndefined();
    expect(Object.getPrototypeOf(config.get('a'))).toBe(Object.prototype);
  });
});
