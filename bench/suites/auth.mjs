// Cost of a protected route: the kernel with core defaults, with and without @koaforge/auth
// (`authenticate()` verifying an HS256 access token + the RBAC guard `requirePermission`), beside
// Koa + router, in one run. Same method as the http suite (server on CPU 0, autocannon on CPU 1,
// interleaved rounds, medians), plus jsonwebtoken and AccessTokenService.verify in process.

import { createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTargets, comparisonMarkdown, distEntry, runRounds, summarise, writeComparison } from '../lib/compare.mjs';
import { taskset } from '../lib/proc.mjs';
import { measureProtected, protectedStack, tokenService } from '../lib/protected.mjs';
import { environment, median, progress, round, table } from '../lib/report.mjs';
import { loadSettings, num } from '../lib/settings.mjs';

export const description =
  'protected route (JWT verify + RBAC guard) vs core defaults and Koa + router; JWT verify ops/s';

const config = {
  ...loadSettings(),
  // In-process verify rates: time-boxed batches, so the slow string-secret path needs no tuning.
  microRounds: num('BENCH_AUTH_MICRO_ROUNDS', 5),
  microMs: num('BENCH_AUTH_MICRO_MS', 500),
};

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const authDir = here('../../packages/auth/');
const protectedServer = here('../servers/protected-kernel.mjs');

const variants = [
  { name: 'koa-router', file: here('../servers/koa-router.mjs') },
  { name: 'kernel-defaults', file: protectedServer, env: { AUTH_MODE: 'none' } },
  { name: 'kernel-auth', file: protectedServer, env: { AUTH_MODE: 'cached' }, auth: true },
  { name: 'kernel-auth-nocache', file: protectedServer, env: { AUTH_MODE: 'uncached' }, auth: true },
];
const targets = [
  {
    variant: 'kernel-auth',
    of: 'koa-router',
    min: 0.75,
    label: 'protected route (JWT + RBAC) on core defaults ≥ 75% of Koa + router',
  },
];
/** The names the in-process measures need from @koaforge/auth. */
const NEEDED = ['AccessTokenService', 'SigningKeyRing', 'MemoryRevocationStore'];

/** Operations per second of `fn`, awaited when it returns a promise, over a time box of `ms`. */
async function opsPerSec(fn, ms) {
  const until = (t) => performance.now() - t < ms;
  for (const t = performance.now(); performance.now() - t < ms / 5; ) await fn();
  let n = 0;
  const t0 = performance.now();
  while (until(t0)) {
    // Batches of 16 between clock reads: the clock costs about as much as a cached verification.
    for (let i = 0; i < 16; i++) await fn();
    n += 16;
  }
  return (n / (performance.now() - t0)) * 1000;
}

/**
 * Verification in this process: jsonwebtoken with the secret as a string (it first tries to read
 * the string as a PEM key: the DESIGN.md trap) and as a KeyObject, then AccessTokenService.verify
 * with its cache off (every call checks the signature and the claims) and on (the steady state of
 * a client reusing its token). Every row verifies the same token.
 */
async function micro(auth, secret, token) {
  const jwt = createRequire(join(authDir, 'package.json'))('jsonwebtoken');
  const keyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  const revocations = new auth.MemoryRevocationStore();
  const cold = tokenService(auth, secret, { revocations, cacheSize: 0 });
  const cached = tokenService(auth, secret, { revocations });
  const rows = {
    'jsonwebtoken verify, string secret': () => jwt.verify(token, secret, { algorithms: ['HS256'] }),
    'jsonwebtoken verify, KeyObject': () => jwt.verify(token, keyObject, { algorithms: ['HS256'] }),
    'AccessTokenService.verify, cache off': () => cold.verify(token),
    'AccessTokenService.verify, cached': () => cached.verify(token),
  };
  for (const [name, fn] of Object.entries(rows)) {
    const out = await fn();
    if ((out.claims ?? out).sub !== 'u1') throw new Error(`${name}: did not verify the token`);
  }
  const samples = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let r = 0; r < config.microRounds; r++) {
    for (const [name, fn] of Object.entries(rows)) samples[name].push(await opsPerSec(fn, config.microMs));
  }
  const summary = {};
  for (const [name, xs] of Object.entries(samples)) {
    const med = median(xs);
    summary[name] = {
      opsPerSec: round(med),
      usPerOp: round(1e6 / med, 2),
      min: round(Math.min(...xs)),
      max: round(Math.max(...xs)),
    };
  }
  return { summary, samples };
}

function microMarkdown(microResult) {
  if (microResult === undefined) return [];
  return [
    '',
    `In process, one HS256 token (median of ${config.microRounds} × ${config.microMs} ms):`,
    '',
    table(
      ['verification', 'ops/s', 'µs/op', 'min–max ops/s'],
      Object.entries(microResult.summary).map(([name, s]) => [
        name,
        s.opsPerSec.toLocaleString('en'),
        s.usPerOp,
        `${s.min.toLocaleString('en')}–${s.max.toLocaleString('en')}`,
      ]),
    ),
  ];
}

export async function run() {
  const pinned = taskset() !== null;
  const auth = await import(distEntry(authDir, NEEDED));
  const stack = protectedStack(auth);
  progress('in-process verification');
  const microResult = await micro(auth, stack.secret, stack.token);
  for (const [name, s] of Object.entries(microResult.summary)) progress(`  ${name}: ${s.opsPerSec} ops/s`);
  const { samples, failures } = await runRounds(variants, config.rounds, (v) => measureProtected(v, config, stack));
  const baselines = ['koa-router', 'kernel-defaults'];
  const summary = summarise(samples, baselines);
  const checks = checkTargets(samples, summary, targets);
  const env = environment({ pinned });
  const markdown = comparisonMarkdown({
    suite: 'auth',
    title: 'protected route',
    env,
    settings: config,
    notes: [
      "`kernel-auth`: `authenticate()` (HS256, KeyObject, memory deny-list checked every request) + `requirePermission('users:read')`; every connection sends the same valid token of a permitted user. `kernel-auth-nocache`: the same with `cacheSize: 0`.",
    ],
    summary,
    baselines,
    checks,
    failures,
    extra: microMarkdown(microResult),
  });
  writeComparison(
    'auth',
    {
      environment: env,
      config,
      summary,
      checks,
      failures,
      samples,
      extra: { micro: microResult.summary, samples: { micro: microResult.samples } },
    },
    markdown,
  );
}
