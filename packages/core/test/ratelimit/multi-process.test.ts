import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { waitFor } from './redis.js';

// The correctness test: three app processes share one real Redis and one limit of 100
// per window on one key. Each process runs fixtures/shared-limit-app.mjs.

const coreDir = resolve(import.meta.dirname, '../..');
const fixture = join(import.meta.dirname, 'fixtures/shared-limit-app.mjs');
const tmpDir = join(import.meta.dirname, '.tmp');
const bundle = join(tmpDir, `core-entry-${process.pid}.mjs`);

/**
 * packages/core/dist when its build exports what the fixture needs; until src/index.ts exports
 * the rate limit plugin, a bundle of the same src files made with esbuild (dependencies external,
 * resolved from the workspace's node_modules like dist's are).
 */
async function coreEntry(): Promise<string> {
  const dist = join(coreDir, 'dist/index.js');
  if (existsSync(dist)) {
    const text = readFileSync(dist, 'utf8');
    if (text.includes('rateLimitPlugin') && text.includes('redisPlugin')) return pathToFileURL(dist).href;
  }
  const { build } = await import('esbuild');
  mkdirSync(tmpDir, { recursive: true });
  await build({
    stdin: {
      contents: [
        "export { createApp } from './src/kernel/app.js';",
        "export { rateLimitPlugin } from './src/ratelimit/plugin.js';",
        "export { redisPlugin } from './src/redis/plugin.js';",
      ].join('\n'),
      resolveDir: coreDir,
      loader: 'ts',
      sourcefile: 'rate-limit-fixture-entry.ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bundle,
    logLevel: 'silent',
  });
  return pathToFileURL(bundle).href;
}

interface AppProcess {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

function startApp(entry: string, redisUrl: string): Promise<AppProcess> {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, KOAFORGE_CORE_ENTRY: entry, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fixture not ready in 20 s\n${err}`)), 20_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort({ child, port: Number(m[1]), stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited (${code}) before READY\n${err}`));
    });
  });
}

let redis: RedisServerHandle;
let apps: AppProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  const entry = await coreEntry();
  apps = await Promise.all([0, 1, 2].map(() => startApp(entry, redis.url)));
}, 60_000);

afterAll(async () => {
  await Promise.all(
    apps.map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(kill);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await redis?.stop();
  rmSync(bundle, { force: true });
}, 30_000);

/** `n` concurrent requests for `key`, spread round-robin over the three processes; status → count. */
async function burst(key: string, n: number): Promise<Map<number, number>> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      fetch(`http://127.0.0.1:${apps[i % apps.length]!.port}/hit`, { headers: { 'x-key': key } }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      }),
    ),
  );
  const counts = new Map<number, number>();
  for (const s of results) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
}

async function storeUp(port: number): Promise<boolean> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return /^rate_limit_store_up\{store="redis"\} 1$/m.test(text);
}

const logLines = (app: AppProcess, start: string) =>
  app
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${start}`));

describe('three processes sharing one Redis', () => {
  it('admit exactly the limit in total: 300 concurrent requests, limit 100 → 100 admitted', async () => {
    const counts = await burst('phase-1', 300);
    expect(Object.fromEntries(counts)).toEqual({ 200: 100, 429: 200 });
  }, 60_000);

  it('keep limiting with insurance when Redis is killed: no 5xx, 429s still happen', async () => {
    await redis.kill();
    const counts = await burst('phase-2', 300);
    const admitted = counts.get(200) ?? 0;
    expect([...counts.keys()].sort()).toEqual([200, 429]);
    // Each process admits a third of the limit on its own (insuranceShare 1/3): floor(100/3) × 3.
    expect(admitted).toBe(99);
    for (const app of apps) expect(logLines(app, 'rate limit store is down')).toHaveLength(1);
  }, 60_000);

  it('go back to shared limiting when Redis returns, without restarting: exactly 100 again', async () => {
    await redis.restart();
    // A few requests per process let each one probe Redis and switch back.
    await waitFor(async () => {
      const up = await Promise.all(
        apps.map(async (app) => {
          await fetch(`http://127.0.0.1:${app.port}/hit`, { headers: { 'x-key': `warm-${app.port}` } });
          return storeUp(app.port);
        }),
      );
      return up.every(Boolean);
    }, 15_000);
    const counts = await burst('phase-3', 300);
    expect(Object.fromEntries(counts)).toEqual({ 200: 100, 429: 200 });
    for (const app of apps) {
      expect(logLines(app, 'rate limit store answers again')).toHaveLength(1);
      expect(app.child.exitCode).toBeNull();
    }
  }, 60_000);
});
