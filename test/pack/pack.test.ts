import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Packs every package under packages/ with `npm pack` and uses the tarballs from a scratch
// project, as a user would: ESM import, CommonJS require, and TypeScript types from both.
const root = resolve(import.meta.dirname, '../..');
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir).map((dir) => {
  const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { name: string };
  return { dir: join(packagesDir, dir), name: pkg.name };
});

let scratch: string;
const run = (cmd: string, args: string[], cwd = scratch) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'koaforge-pack-'));
  const tarballs = packages.map((p) => {
    const out = run('npm', ['pack', '--silent', '--pack-destination', scratch], p.dir).trim().split('\n');
    return join(scratch, out[out.length - 1] ?? '');
  });
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '@types/node@20', ...tarballs]);
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('ship only dist, README and package.json', () => {
    for (const p of packages) {
      const out = run('npm', ['pack', '--dry-run', '--json'], p.dir);
      const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
      expect(files).toContain('README.md');
      expect(
        files.every(
          (f) =>
            f.startsWith('dist/') ||
            f === 'README.md' ||
            f === 'package.json' ||
            f === 'CHANGELOG.md' ||
            f === 'LICENSE',
        ),
      ).toBe(true);
    }
  });

  it('load from ESM and CommonJS, and @koaforge/core boots an app from both', () => {
    writeFileSync(
      join(scratch, 'esm.mjs'),
      `import { createApp, definePlugin } from '@koaforge/core';
       import { startRedisServer } from '@koaforge/core/testing';
       const app = createApp({ config: { file: false, env: {} }, logger: { level: 'silent' } });
       app.register(definePlugin({ name: 'p', setup(ctx) { ctx.router.get('/x', (c) => { c.body = { ok: 'esm' }; }); } }));
       const { port } = await app.listen(0, '127.0.0.1');
       const body = await (await fetch('http://127.0.0.1:' + port + '/x')).json();
       await app.stop();
       console.log(JSON.stringify({ body, testing: typeof startRedisServer }));`,
    );
    writeFileSync(
      join(scratch, 'cjs.cjs'),
      `const { createApp, CoreErrors } = require('@koaforge/core');
       const app = createApp({ config: { file: false, env: {} }, logger: { level: 'silent' } });
       app.listen(0, '127.0.0.1').then(async ({ port }) => {
         const res = await fetch('http://127.0.0.1:' + port + '/nope');
         const body = await res.json();
         await app.stop();
         console.log(JSON.stringify({ code: body.code, known: CoreErrors.ROUTE_NOT_FOUND.code }));
       });`,
    );
    expect(JSON.parse(run('node', ['esm.mjs']))).toEqual({ body: { ok: 'esm' }, testing: 'function' });
    expect(JSON.parse(run('node', ['cjs.cjs']))).toEqual({ code: 'ROUTE_NOT_FOUND', known: 'ROUTE_NOT_FOUND' });
  });

  it('@koaforge/auth and @koaforge/tenant (with its ./postgres entry) load from ESM and CommonJS', () => {
    writeFileSync(
      join(scratch, 'features.mjs'),
      `import { createApp } from '@koaforge/core';
       import { authPlugin, AuthErrors } from '@koaforge/auth';
       import { tenantPlugin, requireTenant, currentTenant, TenantErrors } from '@koaforge/tenant';
       import { withTenant, tenantRlsSql } from '@koaforge/tenant/postgres';
       const app = createApp({
         config: { file: false, env: {}, overrides: { tenant: { tenants: [{ id: 'acme' }] } } },
         logger: { level: 'silent' },
       });
       app.register(tenantPlugin);
       app.router.get('/t', requireTenant(), (c) => { c.body = { tenant: currentTenant().id }; });
       const { port } = await app.listen(0, '127.0.0.1');
       const ok = await (await fetch('http://127.0.0.1:' + port + '/t', { headers: { 'x-tenant-id': 'acme' } })).json();
       const unknown = await (await fetch('http://127.0.0.1:' + port + '/t', { headers: { 'x-tenant-id': 'nope' } })).json();
       await app.stop();
       console.log(JSON.stringify({
         ok, unknown: unknown.code, auth: typeof authPlugin, code: AuthErrors.AUTH_REQUIRED.code,
         tenantCode: TenantErrors.TENANT_MISMATCH.code, pg: [typeof withTenant, tenantRlsSql({ table: 't' }).length > 0],
       }));`,
    );
    writeFileSync(
      join(scratch, 'features.cjs'),
      `const { authPlugin } = require('@koaforge/auth');
       const { tenantPlugin, tenantKeys } = require('@koaforge/tenant');
       const { withTenant } = require('@koaforge/tenant/postgres');
       console.log(JSON.stringify([typeof authPlugin, typeof tenantPlugin, tenantKeys('acme').redis('a'), typeof withTenant]));`,
    );
    expect(JSON.parse(run('node', ['features.mjs']))).toEqual({
      ok: { tenant: 'acme' },
      unknown: 'TENANT_NOT_FOUND',
      auth: 'object',
      code: 'AUTH_REQUIRED',
      tenantCode: 'TENANT_MISMATCH',
      pg: ['function', true],
    });
    expect(JSON.parse(run('node', ['features.cjs']))).toEqual(['object', 'object', 't:acme:a', 'function']);
  });

  it('type-check from ESM (NodeNext) and CommonJS consumers', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    writeFileSync(
      join(scratch, 'use.mts'),
      `import { createApp, definePlugin, createToken, type Principal } from '@koaforge/core';
       const T = createToken<number>('n');
       const app = createApp();
       app.container.register(T, { useValue: 1 });
       const n: number = app.container.resolve(T);
       // @ts-expect-error resolve is typed by the token: a number is not a string
       const wrong: string = app.container.resolve(T);
       void wrong;
       const p: Principal = { id: 'u', type: 'user' };
       app.register(definePlugin({ name: 'x', setup() {} }));
       import { tenantPlugin, type TenantRecord } from '@koaforge/tenant';
       import { withTenant } from '@koaforge/tenant/postgres';
       import { authPlugin } from '@koaforge/auth';
       app.register(authPlugin).register(tenantPlugin);
       const rec: TenantRecord = { id: 'acme', status: 'active' };
       // @ts-expect-error status is a closed set
       const bad: TenantRecord = { id: 'x', status: 'deleted' };
       void bad;
       export { n, p, rec, withTenant };`,
    );
    writeFileSync(
      join(scratch, 'use.cts'),
      `import core = require('@koaforge/core');
       const n: string = core.CoreErrors.INTERNAL.code;
       // @ts-expect-error the catalogue is typed: no such code
       core.CoreErrors.NOT_A_CODE;
       import tenant = require('@koaforge/tenant');
       import pg = require('@koaforge/tenant/postgres');
       const k: string = tenant.TenantErrors.TENANT_NOT_FOUND.code;
       void k; void pg.withTenant;
       export = n;`,
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
        },
        files: ['use.mts', 'use.cts'],
      }),
    );
    const out = (() => {
      try {
        return run('node', [tsc, '-p', 'tsconfig.json']);
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? err);
      }
    })();
    expect(out.trim()).toBe('');
  });
});
