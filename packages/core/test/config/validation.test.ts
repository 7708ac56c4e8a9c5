import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Config } from '../../src/config/index.js';
import { CoreErrors } from '../../src/errors.js';
import { tempDir, thrown } from './fixtures.js';

const tmp = tempDir();

const HttpSchema = z.object({
  port: z.number().int(),
  host: z.string(),
  cors: z.object({ origins: z.array(z.string()) }),
});

describe('validation errors', () => {
  it('names every failing key with its full path, who set it, the value and the rule', () => {
    const file = tmp.write('invalid.json', JSON.stringify({ http: { port: 'abc', cors: { origins: ['a', 2] } } }));
    const config = Config.load({ file, env: {} });
    const err = thrown(() => config.section('http', HttpSchema));
    expect(CoreErrors.CONFIG_INVALID.is(err)).toBe(true);
    expect(err.message).toBe(
      `Invalid config: http.port (set by file ${file}, value "abc"): expected number, received string; ` +
        'http.host (not set): expected string, received undefined; ' +
        `http.cors.origins.1 (set by file ${file}, value 2): expected string, received number`,
    );
  });

  it('puts one structured entry per issue in details.issues', () => {
    const config = Config.load({ env: { KOAFORGE_HTTP__PORT: '"x"' } });
    const err = thrown(() => config.section('http', HttpSchema.pick({ port: true })));
    expect(err.details?.issues).toEqual([
      {
        key: 'http.port',
        path: ['http', 'port'],
        code: 'invalid_type',
        message: 'expected number, received string',
        layer: 'env',
        source: 'env KOAFORGE_HTTP__PORT',
        value: '"x"',
      },
    ]);
  });

  it('names the layer of each source', () => {
    const config = Config.load({
      env: { KOAFORGE_S__FROM_ENV: 'x' },
      defaults: { s: { fromDefaults: 'x' } },
      overrides: { s: { fromOverrides: 'x' } },
    });
    config.addPluginDefaults('s', { fromPlugin: 'x' }, 'my-plugin');
    const schema = z.object({
      fromDefaults: z.number(),
      fromPlugin: z.number(),
      fromEnv: z.number(),
      fromOverrides: z.number(),
    });
    const err = thrown(() => config.section('s', schema));
    expect(err.message).toContain('s.fromDefaults (set by defaults, value "x")');
    expect(err.message).toContain('s.fromPlugin (set by plugin my-plugin, value "x")');
    expect(err.message).toContain('s.fromEnv (set by env KOAFORGE_S__FROM_ENV, value "x")');
    expect(err.message).toContain('s.fromOverrides (set by overrides, value "x")');
  });

  it('reports nested section names and unknown keys of strict schemas', () => {
    const config = Config.load({ env: {}, defaults: { plugins: { mail: { host: 'h', extra: 1 } } } });
    const err = thrown(() => config.section('plugins.mail', z.strictObject({ host: z.string() })));
    expect(err.message).toBe(
      'Invalid config: plugins.mail (set by defaults, value {"host":"h","extra":1}): Unrecognized key: "extra"',
    );
  });

  it('shortens long values', () => {
    const config = Config.load({ env: {}, defaults: { a: { b: 'x'.repeat(500) } } });
    const err = thrown(() => config.section('a', z.object({ b: z.number() })));
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).toContain('…');
  });

  it('rejects invalid section names', () => {
    const config = Config.load({ env: {} });
    expect(() => config.section('a..b', z.object({}))).toThrow(/not a valid section name/);
    expect(() => config.addPluginDefaults('__proto__', {}, 'evil')).toThrow(/not a valid section name/);
  });
});
