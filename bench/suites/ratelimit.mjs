// Rate limiting cost: the kernel with core defaults, with a memory per-IP limit and with a Redis
// per-IP limit, beside Koa + router, in one run. Same method as the http suite (server on CPU 0,
// autocannon on CPU 1, interleaved rounds, medians), plus an in-process measure of the check.
import { fileURLToPath } from 'node:url';
import {
  checkTargets,
  comparisonMarkdown,
  distEntry,
  measureServer,
  measureUndisturbed,
  runRounds,
  summarise,
  writeComparison,
} from '../lib/compare.mjs';
import { taskset } from '../lib/proc.mjs';
import { environment, median, progress, round } from '../lib/report.mjs';
import { loadSettings, num } from '../lib/settings.mjs';

export const description = 'per-request cost of rate limiting (memory and Redis) vs core defaults and Koa + router';

const config = {
  ...loadSettings(),
  // Far above what one load generator sends in a window: every request is admitted, so what is
  // measured is the cost of checking, not of answering 429s (non-2xx answers fail the run).
  limitPerMinute: 1_000_000_000,
  microIterations: num('BENCH_RATELIMIT_MICRO', 200_000),
};

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const coreDir = here('../../packages/core/');

const variants = [
  { name: 'koa-router', file: here('../servers/koa-router.mjs') },
  { name: 'kernel-defaults', file: here('../servers/kernel-ratelimit-app.mjs'), env: { RATELIMIT_STORE: 'none' } },
  { name: 'ratelimit-memory', file: here('../servers/kernel-ratelimit-app.mjs'), env: { RATELIMIT_STORE: 'memory' } },
  { name: 'ratelimit-redis', file: here('../servers/kernel-ratelimit-app.mjs'), env: { RATELIMIT_STORE: 'redis' } },
];
const targets = [
  {
    variant: 'ratelimit-memory',
    of: 'kernel-defaults',
    min: 0.95,
    label: 'memory rate limit per IP costs ≤ 5% of core defaults throughput',
  },
];

/** The route answers, and carries the policy's RateLimit-Policy field when a limit is on. */
async function check(variant, url) {
  const res = await fetch(url);
  await res.arrayBuffer();
  const policy = res.headers.get('ratelimit-policy');
  if (res.status !== 200) throw new Error(`${variant.name}: GET /hello answered ${res.status}`);
  const store = variant.env?.RATELIMIT_STORE ?? 'none';
  if (store !== 'none' && policy !== `"per-ip";q=${config.limitPerMinute};w=60`) {
    throw new Error(`${variant.name}: the rate limit is not active (RateLimit-Policy: ${policy})`);
  }
}

/** ns per awaited call, after a warm-up of a tenth of the iterations. */
async function nsPerOp(fn, n) {
  for (let i = 0; i < n / 10; i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

/**
 * The check on its own, in this process: rate-limiter-flexible's `RateLimiterMemory.consume` (the
 * budget DESIGN.md gives), then our middleware around a memory store, without and with the two
 * RateLimit fields. With fields, `setHeader` is a real `ServerResponse`'s (node validates every
 * name and value it is given, which is most of their cost); `getHeader` answers "none yet", as on
 * a response no other policy touched, so the fields do not pile up between iterations.
 */
async function micro(core) {
  const { RateLimiterMemory } = await import('rate-limiter-flexible');
  const { IncomingMessage, ServerResponse } = await import('node:http');
  const n = config.microIterations;
  const raw = new RateLimiterMemory({ points: config.limitPerMinute, duration: 60, keyPrefix: 'raw' });
  const real = new ServerResponse(new IncomingMessage(null));
  const ctx = {
    req: { socket: { remoteAddress: '127.0.0.1' }, headers: {} },
    res: { getHeader: () => undefined, setHeader: (name, value) => real.setHeader(name, value) },
    state: {},
    path: '/hello',
    method: 'GET',
    get: () => '',
  };
  const next = () => Promise.resolve();
  const policy = { name: 'per-ip', limit: config.limitPerMinute, window: '1m' };
  const withHeaders = new core.RateLimiter().middleware(policy);
  const noHeaders = new core.RateLimiter({ headers: { onAdmitted: false } }).middleware(policy);
  const rounds = { emptyAwait: [], consume: [], middlewareNoHeaders: [], middleware: [] };
  for (let r = 0; r < 3; r++) {
    rounds.emptyAwait.push(await nsPerOp(() => Promise.resolve(), n));
    rounds.consume.push(await nsPerOp(() => raw.consume('ip:127.0.0.1', 1), n));
    rounds.middlewareNoHeaders.push(await nsPerOp(() => noHeaders(ctx, next), n));
    rounds.middleware.push(await nsPerOp(() => withHeaders(ctx, next), n));
  }
  return Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, round(median(v))]));
}

export async function run() {
  const pinned = taskset() !== null;
  const core = await import(distEntry(coreDir, ['RateLimiter']));
  const testing = await import(distEntry(coreDir, ['startRedisServer'], 'dist/testing.js'));
  const redis = await testing.startRedisServer();
  const env = { REDIS_URL: redis.url, RATELIMIT_LIMIT: String(config.limitPerMinute) };
  let microNs;
  let rounds;
  try {
    progress('in-process check cost');
    microNs = await micro(core);
    progress(`  consume ${microNs.consume} ns, middleware ${microNs.middleware} ns`);
    rounds = await runRounds(variants, config.rounds, (v) =>
      measureUndisturbed(v, config, () => measureServer(v, config, { env, check: (url) => check(v, url) })),
    );
  } finally {
    await redis.stop();
  }
  const { samples, failures } = rounds;
  const baselines = ['koa-router', 'kernel-defaults'];
  const summary = summarise(samples, baselines);
  const checks = checkTargets(samples, summary, targets);
  const environmentInfo = environment({ pinned });
  const markdown = comparisonMarkdown({
    suite: 'ratelimit',
    title: 'cost of a per-IP limit',
    env: environmentInfo,
    settings: config,
    notes: [
      `Global policy \`per-ip\`: ${config.limitPerMinute} per minute, so every request is admitted (the check and its RateLimit headers are measured, not 429s). Redis is not pinned; its CPU counts as "others".`,
    ],
    summary,
    baselines,
    checks,
    failures,
    extra: [
      '',
      `In-process, per awaited call (ns, median of 3 × ${config.microIterations}): empty await ${microNs.emptyAwait}, ` +
        `\`RateLimiterMemory.consume\` ${microNs.consume}, rate-limit middleware ${microNs.middleware} ` +
        `(without headers ${microNs.middlewareNoHeaders}).`,
    ],
  });
  writeComparison(
    'ratelimit',
    { environment: environmentInfo, config, summary, checks, failures, samples, extra: { microNs } },
    markdown,
  );
}
