import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// scripts/bundle-app.mjs builds the example apps; --code-cache adds a loader that runs the bundle
// with V8's code cache. These tests build a tiny app with it and run the output with real Node.
const bundleApp = resolve(import.meta.dirname, '../../scripts/bundle-app.mjs');

// The app reports how it sees its module URL and stays up past the loader's cache write (1 s).
const APP = `
import { createRequire } from 'node:module';
// A comment with non-ASCII text — it must not reach the bundle.
const resolved = createRequire(import.meta.url).resolve('node:path');
console.log(JSON.stringify({ url: import.meta.url, resolved, text: 'caf\\u00e9 — ok' }));
setTimeout(() => undefined, Number(process.env.STAY_MS ?? 0));
`;

let dir: string;
const node = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'koaforge-bundle-'));
  await mkdir(join(dir, 'src'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(join(dir, 'src/main.ts'), APP);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bundle-app', () => {
  it('builds one ESM file in pure ASCII that runs', () => {
    node([bundleApp, 'src/main.ts']);
    const out = readFileSync(join(dir, 'dist/main.js'));
    expect(out.every((byte) => byte < 0x80)).toBe(true); // V8 then stores the source one byte per char
    expect(out.toString()).not.toContain('must not reach');
    const printed = JSON.parse(node(['dist/main.js']));
    expect(printed.text).toBe('café — ok');
    expect(printed.url).toMatch(/^file:.*\/dist\/main\.js$/);
  });

  it('--code-cache: the first run writes the cache, later runs use it, a bad one is replaced', () => {
    node([bundleApp, 'src/main.ts', '--code-cache']);
    const cache = join(dir, 'dist/app.cjs.v8-cache');
    // CommonJS output: import.meta.url still names the bundle, so lazily loaded modules resolve.
    const first = JSON.parse(node(['dist/main.js'], { STAY_MS: '1300' }));
    expect(first.url).toMatch(/^file:.*\/dist\/app\.cjs$/);
    expect(first.resolved).toBe('node:path');
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(0);

    // V8 accepted it: the loader rewrites only a missing or rejected cache.
    expect(JSON.parse(node(['dist/main.js'], { STAY_MS: '1300' }))).toEqual(first);
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);

    // A corrupt cache (a torn write, another Node version) is rejected by V8 and replaced.
    writeFileSync(cache, 'not a code cache');
    expect(JSON.parse(node(['dist/main.js'], { STAY_MS: '1300' }))).toEqual(first);
    expect(statSync(cache).size).toBe(written.size);
  });

  it('--code-cache: a process that exits within a second writes nothing and still runs', () => {
    node([bundleApp, 'src/main.ts', '--code-cache']);
    expect(JSON.parse(node(['dist/main.js'])).text).toBe('café — ok');
    expect(() => statSync(join(dir, 'dist/app.cjs.v8-cache'))).toThrow();
  });
});
