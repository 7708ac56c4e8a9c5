// Rate limiting cost: the kernel with core defaults, with a memory per-IP limit and with a Redis
// per-IP limit, beside Koa + router, in one run. Same method as the http suite (server on CPU 0,
// autocannon on CPU 1, interleaved rounds, medians), plus an in-process measure of the check.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load } from '../lib/load.mjs';
import { freePort } from '../lib/net.mjs';
import {
  cpuMicros,
  machineBusyMicros,
  sleep,
  spawnNode,
  stop,
  taskset,
  waitForQuiet,
  waitReady,
} from '../lib/proc.mjs';
import { environment, median, progress, round, table, writeResults } from '../lib/report.mjs';
import { loadSettings, num, paired } from '../lib/settings.mjs';

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
const tmpEntry = here(`../.tmp/ratelimit-core-entry-${process.pid}.mjs`);

const variants = [
  { name: 'koa-router', file: here('../servers/koa-router.mjs') },
  { name: 'kernel-defaults', file: here('../servers/kernel-ratelimit-app.mjs'), store: 'none' },
  { name: 'ratelimit-memory', file: here('../servers/kernel-ratelimit-app.mjs'), store: 'memory' },
  { name: 'ratelimit-redis', file: here('../servers/kernel-ratelimit-app.mjs'), store: 'redis' },
];
const targets = [
  {
    variant: 'ratelimit-memory',
    of: 'kernel-defaults',
    min: 0.95,
    label: 'memory rate limit per IP costs ≤ 5% of core defaults throughput',
  },
];

/**
 * Where the servers import core from: packages/core/dist when it exports the rate limit plugin,
 * else a bundle of the same src files (dependencies stay external), so that the baseline and the
 * rate-limited variants always run the same kernel code.
 */
async function coreEntry() {
  const dist = join(coreDir, 'dist/index.js');
  const needed = ['rateLimitPlugin', 'redisPlugin', 'RateLimiter'];
  if (existsSync(dist) && needed.every((n) => readFileSync(dist, 'utf8').includes(n))) {
    return { url: pathToFileURL(dist).href, from: 'packages/core/dist' };
  }
  const { build } = await import('esbuild');
  mkdirSync(here('../.tmp/'), { recursive: true });
  await build({
    stdin: {
      contents: [
        "export * from './src/index.js';",
        "export { rateLimitPlugin } from './src/ratelimit/plugin.js';",
        "export { RateLimiter } from './src/ratelimit/limiter.js';",
        "export { redisPlugin } from './src/redis/plugin.js';",
        "export { startRedisServer } from './src/testing/index.js';",
      ].join('\n'),
      resolveDir: coreDir,
      loader: 'ts',
      sourcefile: 'ratelimit-bench-entry.ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: tmpEntry,
    logLevel: 'silent',
  });
  return {
    url: pathToFileURL(tmpEntry).href,
    from: 'bundle of packages/core/src (dist does not export the plugin yet)',
  };
}

async function measure(variant, env) {
  const port = await freePort();
  const logFile = join(tmpdir(), `koaforge-bench-${process.pid}-${port}.log`);
  const child = spawnNode([variant.file], {
    cpu: 0,
    env: { PORT: String(port), LOG_FILE: logFile, RATELIMIT_STORE: variant.store ?? 'none', ...env },
  });
  try {
    await waitReady(child, variant.name);
    const url = `http://127.0.0.1:${port}/hello`;
    const res = await fetch(url);
    await res.arrayBuffer();
    const policy = res.headers.get('ratelimit-policy');
    if (res.status !== 200) throw new Error(`${variant.name}: GET /hello answered ${res.status}`);
    if ((variant.store ?? 'none') !== 'none' && policy !== `"per-ip";q=${config.limitPerMinute};w=60`) {
      throw new Error(`${variant.name}: the rate limit is not active (RateLimit-Policy: ${policy})`);
    }
    await waitForQuiet({ onWait: (pct) => progress(`  waiting: other processes use ${pct.toFixed(0)}% of a core`) });
    const opts = { url, connections: config.connections, pipelining: config.pipelining };
    await load({ ...opts, duration: config.warmupS });
    const cpu0 = cpuMicros(child.pid);
    const [busy0, self0, t0] = [machineBusyMicros(), process.cpuUsage(), performance.now()];
    const r = await load({ ...opts, duration: config.durationS });
    const [busy1, self1, t1] = [machineBusyMicros(), process.cpuUsage(self0), performance.now()];
    const cpu1 = cpuMicros(child.pid);
    // Redis (not pinned) counts as "others" here: it is part of the Redis variant's cost.
    const others = busy1 - busy0 - (cpu1 - cpu0) - (r.cpuUs ?? 0) - self1.user - self1.system;
    return {
      reqPerSec: r.reqPerSec,
      requests: r.requests,
      latencyMs: r.latencyMs,
      cpuUsPerReq:
        cpu0 === undefined || cpu1 === undefined || r.requests === 0 ? undefined : (cpu1 - cpu0) / r.requests,
      othersCpuPct: Number.isFinite(others) ? Math.max(0, (others / ((t1 - t0) * 1000)) * 100) : undefined,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
    };
  } finally {
    await stop(child);
    rmSync(logFile, { force: true });
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

/**
 * Median over rounds of a per-round comparison with a reference variant. Variants run back to back
 * within a round, so pairing them cancels the slow drift of a shared machine that comparing the
 * medians of each would keep.
 */

function summarise(samples) {
  const out = {};
  for (const v of variants) {
    const s = samples.get(v.name);
    if (s.length === 0) continue;
    const rps = s.map((x) => x.reqPerSec);
    out[v.name] = {
      reqPerSec: round(median(rps)),
      spreadPct: round(((Math.max(...rps) - Math.min(...rps)) / median(rps)) * 100, 1),
      latencyP50Ms: median(s.map((x) => x.latencyMs.p50)),
      latencyP99Ms: median(s.map((x) => x.latencyMs.p99)),
      cpuUsPerReq: round(median(s.map((x) => x.cpuUsPerReq)), 1),
      othersCpuPctMax: round(Math.max(...s.map((x) => x.othersCpuPct ?? 0))),
      failedResponses: s.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0),
    };
  }
  const has = (name) => samples.get(name)?.length > 0;
  for (const [name, row] of Object.entries(out)) {
    if (has('koa-router'))
      row.vsKoaRouter = round(
        paired(samples, name, 'koa-router', (x, r) => x.reqPerSec / r.reqPerSec),
        3,
      );
    if (has('kernel-defaults')) {
      row.vsKernelDefaults = round(
        paired(samples, name, 'kernel-defaults', (x, r) => x.reqPerSec / r.reqPerSec),
        3,
      );
      row.cpuUsOverDefaults = round(
        paired(samples, name, 'kernel-defaults', (x, r) => x.cpuUsPerReq - r.cpuUsPerReq),
        1,
      );
    }
  }
  return out;
}

function markdown(summary, env, checks, microNs, failures) {
  const rows = Object.entries(summary).map(([name, r]) => [
    `\`${name}\``,
    r.reqPerSec,
    `${r.spreadPct}%`,
    r.vsKoaRouter?.toFixed(3),
    r.vsKernelDefaults?.toFixed(3),
    r.latencyP50Ms,
    r.latencyP99Ms,
    r.cpuUsPerReq,
    r.cpuUsOverDefaults,
    r.othersCpuPctMax,
  ]);
  const lines = [
    '## ratelimit — cost of a per-IP limit',
    '',
    `${env.date} · Node ${env.node} · ${env.cores} × ${env.cpu} · server on CPU 0, autocannon on CPU 1${env.pinned ? '' : ' (NOT pinned: no taskset)'} · Redis not pinned · core from ${env.coreFrom}`,
    `${config.connections} connections, pipelining ${config.pipelining}, ${config.warmupS} s warm-up + ${config.durationS} s measured, ${config.rounds} interleaved round(s); req/s and CPU are medians, "vs" and "over defaults" are medians of per-round comparisons`,
    `Global policy \`per-ip\`: ${config.limitPerMinute} per minute, so every request is admitted (the check and its RateLimit headers are measured, not 429s).`,
    '',
    table(
      [
        'variant',
        'req/s',
        'spread',
        'vs koa-router',
        'vs kernel-defaults',
        'p50 ms',
        'p99 ms',
        'server CPU µs/req',
        'µs/req over defaults',
        'others CPU % (max)',
      ],
      rows,
    ),
    '',
    `In-process, per awaited call (ns, median of 3 × ${config.microIterations}): empty await ${microNs.emptyAwait}, ` +
      `\`RateLimiterMemory.consume\` ${microNs.consume}, rate-limit middleware ${microNs.middleware} ` +
      `(without headers ${microNs.middlewareNoHeaders}).`,
  ];
  if (checks.length > 0) {
    lines.push(
      '',
      table(
        ['target', 'measured', 'result'],
        checks.map((c) => [c.label, c.ratio?.toFixed(3), c.pass ? 'pass' : 'FAIL']),
      ),
    );
  }
  if (failures.length > 0) {
    lines.push(
      '',
      ...failures.map((f) => `- **${f.variant} failed:** ${f.error.split('\n')[0]} (details in ratelimit.json)`),
    );
  }
  return lines.join('\n');
}

export async function run() {
  const pinned = taskset() !== null;
  const entry = await coreEntry();
  const core = await import(entry.url);
  const testing = core.startRedisServer ? core : await import('@koaforge/core/testing');
  const redis = await testing.startRedisServer();
  const env = { KOAFORGE_CORE_ENTRY: entry.url, REDIS_URL: redis.url, RATELIMIT_LIMIT: String(config.limitPerMinute) };
  const samples = new Map(variants.map((v) => [v.name, []]));
  const failures = [];
  let microNs;
  try {
    progress('in-process check cost');
    microNs = await micro(core);
    progress(`  consume ${microNs.consume} ns, middleware ${microNs.middleware} ns`);
    for (let r = 1; r <= config.rounds; r++) {
      const order = r % 2 === 1 ? variants : [...variants].reverse();
      for (const v of order) {
        if (failures.some((f) => f.variant === v.name)) continue;
        progress(`round ${r}/${config.rounds}  ${v.name}`);
        try {
          const s = { round: r, ...(await measure(v, env)) };
          if (s.non2xx > 0) throw new Error(`${v.name}: ${s.non2xx} non-2xx answers (rate limited?)`);
          samples.get(v.name).push(s);
          progress(`  ${Math.round(s.reqPerSec)} req/s, ${s.cpuUsPerReq?.toFixed(1) ?? '?'} µs CPU/req`);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          failures.push({ variant: v.name, error });
          console.error(`  ${v.name} failed: ${error}`);
        }
      }
    }
  } finally {
    await redis.stop();
    rmSync(tmpEntry, { force: true });
    await sleep(0);
  }
  const summary = summarise(samples);
  const checks = targets
    .filter((t) => summary[t.variant] && summary[t.of])
    .map((t) => {
      const ratio = paired(samples, t.variant, t.of, (x, r) => x.reqPerSec / r.reqPerSec);
      return { ...t, ratio: round(ratio, 3), pass: ratio >= t.min };
    });
  const environmentInfo = environment({ pinned, coreFrom: entry.from });
  writeResults(
    'ratelimit',
    {
      suite: 'ratelimit',
      environment: environmentInfo,
      config,
      summary,
      microNs,
      targets: checks,
      failures,
      samples: Object.fromEntries(samples),
    },
    markdown(summary, environmentInfo, checks, microNs, failures),
  );
  if (failures.length > 0) throw new Error(`${failures.map((f) => f.variant).join(', ')} could not be measured`);
}
