import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/index.js';
import { CoreErrors } from '../../src/errors.js';
import { tempDir, thrown } from './fixtures.js';

const tmp = tempDir();

describe('config file', () => {
  it('reads the file named in options, then KOAFORGE_CONFIG_FILE, and none with false', () => {
    const a = tmp.write('a.json', '{"from": "a"}');
    const b = tmp.write('b.json', '\uFEFF{"from": "b"}');
    expect(Config.load({ file: a, env: { KOAFORGE_CONFIG_FILE: b } }).get('from')).toBe('a');
    expect(Config.load({ env: { KOAFORGE_CONFIG_FILE: b } }).get('from')).toBe('b');
    expect(Config.load({ file: false, env: { KOAFORGE_CONFIG_FILE: b } }).has('from')).toBe(false);
    expect(Config.load({ env: {} }).redacted()).toEqual({});
  });

  it('fails with the path when a named file is missing', () => {
    const path = join(tmpdir(), 'koaforge-config-does-not-exist.json');
    const err = thrown(() => Config.load({ file: path, env: {} }));
    expect(CoreErrors.CONFIG_INVALID.is(err)).toBe(true);
    expect(err.message).toBe(`Invalid config: file ${path} could not be read (ENOENT)`);
  });

  it.each([
    ['trailing comma', '{\n  "a": 1,\n}', 'expected a property name in double quotes', 3, 1, 12],
    ['missing value', '{"a": }', 'unexpected character "}"', 1, 7, 6],
    ['unterminated', '{"a": [1, 2', "expected ',' or ']'", 1, 12, 11],
    ['single quotes', "{'a': 1}", 'expected a property name in double quotes', 1, 2, 1],
    ['garbage after', '{"a": 1} x', 'unexpected content after the JSON value', 1, 10, 9],
    ['empty', '', 'unexpected end of input', 1, 1, 0],
  ])(
    'fails on malformed JSON (%s) with path, line, column and position',
    (_name, text, reason, line, column, position) => {
      const path = tmp.write('bad.json', text);
      const err = thrown(() => Config.load({ file: path, env: {} }));
      expect(CoreErrors.CONFIG_INVALID.is(err)).toBe(true);
      expect(err.message).toBe(
        `Invalid config: file ${path} is not valid JSON: ${reason} at line ${line}, column ${column} (position ${position})`,
      );
      expect(err.details).toMatchObject({ file: path, line, column, position });
    },
  );

  it('never quotes the file text in the error', () => {
    const path = tmp.write('leaky.json', '{"password": "hunter2-super-secret" oops}');
    const err = thrown(() => Config.load({ file: path, env: {} }));
    expect(err.message).not.toContain('hunter2');
    expect(JSON.stringify(err.details)).not.toContain('hunter2');
    expect((err as Error).cause).toBeUndefined();
  });

  it('requires an object at the top level', () => {
    const path = tmp.write('array.json', '[1, 2]');
    expect(() => Config.load({ file: path, env: {} })).toThrow(/must contain a JSON object/);
  });
});
