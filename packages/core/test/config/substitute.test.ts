// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings test ${VAR} placeholders, not templates.

import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/index.js';
import { CoreErrors } from '../../src/errors.js';
import { tempDir, thrown } from './fixtures.js';

const tmp = tempDir();

describe('${VAR} substitution', () => {
  it('substitutes variables in file strings, at any depth and in arrays', () => {
    const file = tmp.write(
      'subst.json',
      JSON.stringify({ db: { url: 'postgres://${DB_HOST}:${DB_PORT}/app' }, hosts: ['${DB_HOST}', 'b'] }),
    );
    const config = Config.load({ file, env: { DB_HOST: 'db', DB_PORT: '5432' } });
    expect(config.get('db.url')).toBe('postgres://db:5432/app');
    expect(config.get('hosts')).toEqual(['db', 'b']);
  });

  it('uses the fallback when the variable is unset or empty', () => {
    const config = Config.load({
      env: { EMPTY: '', SET: 'set' },
      defaults: { a: '${UNSET:-one}', b: '${EMPTY:-two}', c: '${SET:-three}', d: '${UNSET:-}' },
    });
    expect(config.get('a')).toBe('one');
    expect(config.get('b')).toBe('two');
    expect(config.get('c')).toBe('set');
    expect(config.get('d')).toBe('');
  });

  it('keeps $${VAR} as the literal ${VAR}', () => {
    const config = Config.load({ env: { VAR: 'x' }, overrides: { template: 'a $${VAR} b ${VAR}', price: '$5' } });
    expect(config.get('template')).toBe('a ${VAR} b x');
    expect(config.get('price')).toBe('$5');
  });

  it('substitutes in overrides and plugin defaults, but not in env values', () => {
    const config = Config.load({
      env: { HOST: 'h', KOAFORGE_RAW: '${HOST}' },
      overrides: { o: '${HOST}' },
    });
    config.addPluginDefaults('p', { url: 'redis://${HOST:-localhost}' }, 'redis');
    expect(config.get('o')).toBe('h');
    expect(config.get('p.url')).toBe('redis://h');
    expect(config.get('raw')).toBe('${HOST}');
  });

  it('fails at load naming the key and the variable when a variable is missing', () => {
    const file = tmp.write('missing-var.json', JSON.stringify({ auth: { jwt: { secret: '${JWT_SECRET}' } } }));
    const err = thrown(() => Config.load({ file, env: {} }));
    expect(CoreErrors.CONFIG_INVALID.is(err)).toBe(true);
    expect(err.message).toContain('auth.jwt.secret');
    expect(err.message).toContain('JWT_SECRET');
    expect(err.message).toContain(`file ${file}`);
    expect(err.details).toMatchObject({ key: 'auth.jwt.secret', variable: 'JWT_SECRET' });
  });

  it('treats an empty variable without fallback as set', () => {
    expect(Config.load({ env: { E: '' }, defaults: { a: 'x${E}y' } }).get('a')).toBe('xy');
  });
});
