// The side-by-side method every HTTP suite shares: start one server variant at a time on CPU 0,
// load it from CPU 1, repeat a window disturbed by other processes, interleave the variants over
// rounds, then summarise with per-round comparisons against baseline variants.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from './load.mjs';
import { freePort } from './net.mjs';
import { cpuMicros, machineBusyMicros, rssMiB, sleep, spawnNode, stop, waitForQuiet, waitReady } from './proc.mjs';
import { median, progress, round, table, writeResults } from './report.mjs';
import { paired } from './settings.mjs';

/**
 * A built package's ESM entry, checked to export `needed`. Suites run after `npm run build`
 * (`npm run bench` builds first); a stale dist is an error, not a silent measure of old code.
 */
export function distEntry(packageDir, needed, file = 'dist/index.js') {
  const dist = join(packageDir, file);
  const text = existsSync(dist) ? readFileSync(dist, 'utf8') : '';
  const missing = needed.filter((n) => !new RegExp(`\\b${n}\\b`).test(text));
  if (missing.length > 0) {
    throw new Error(`${dist} does not export ${missing.join(', ')}: run \`npm run build\` first`);
  }
  return pathToFileURL(dist).href;
}

/**
 * One server start: spawn `variant.file` on CPU 0 with `PORT`, `LOG_FILE` and `env`, run `check(url)`,
 * optionally take the idle RSS, warm up, then measure one window with the server's CPU time and the
 * CPU that other processes used meanwhile.
 */
export async function measureServer(variant, settings, { env = {}, path = '/hello', headers, check, idleMs } = {}) {
  const port = await freePort();
  const logFile = join(tmpdir(), `koaforge-bench-${process.pid}-${port}.log`);
  const child = spawnNode([variant.file], {
    cpu: 0,
    env: { PORT: String(port), LOG_FILE: logFile, ...env, ...variant.env },
  });
  try {
    await waitReady(child, variant.name);
    const url = `http://127.0.0.1:${port}${path}`;
    if (check) await check(url);
    let idleRssMiB;
    if (idleMs !== undefined) {
      await sleep(idleMs);
      idleRssMiB = rssMiB(child.pid);
    }
    await waitForQuiet({ onWait: (pct) => progress(`  waiting: other processes use ${pct.toFixed(0)}% of a core`) });
    const opts = {
      url,
      connections: settings.connections,
      pipelining: settings.pipelining,
      ...(headers ? { headers } : {}),
    };
    await load({ ...opts, duration: settings.warmupS });
    const cpu0 = cpuMicros(child.pid);
    const [busy0, self0, t0] = [machineBusyMicros(), process.cpuUsage(), performance.now()];
    const r = await load({ ...opts, duration: settings.durationS });
    const [busy1, self1, t1] = [machineBusyMicros(), process.cpuUsage(self0), performance.now()];
    const cpu1 = cpuMicros(child.pid);
    // CPU that neither the server, autocannon nor this runner used: other work on the machine
    // (a Redis server the variant talks to counts here too).
    const others = busy1 - busy0 - (cpu1 - cpu0) - (r.cpuUs ?? 0) - self1.user - self1.system;
    return {
      reqPerSec: r.reqPerSec,
      requests: r.requests,
      latencyMs: r.latencyMs,
      cpuUsPerReq:
        cpu0 === undefined || cpu1 === undefined || r.requests === 0 ? undefined : (cpu1 - cpu0) / r.requests,
      othersCpuPct: Number.isFinite(others) ? Math.max(0, (others / ((t1 - t0) * 1000)) * 100) : undefined,
      idleRssMiB,
      loadedRssMiB: rssMiB(child.pid),
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
    };
  } finally {
    await stop(child);
    rmSync(logFile, { force: true });
  }
}

/** `measure()` repeated while other processes disturbed the window; keeps the least disturbed attempt. */
export async function measureUndisturbed(variant, settings, measure) {
  let best;
  for (let attempt = 1; ; attempt++) {
    const s = await measure(attempt);
    if (s.non2xx > 0) throw new Error(`${variant.name}: ${s.non2xx} non-2xx answers`);
    const others = s.othersCpuPct ?? 0;
    progress(
      `  ${Math.round(s.reqPerSec)} req/s, p99 ${s.latencyMs.p99} ms, ${s.cpuUsPerReq?.toFixed(1) ?? '?'} µs CPU/req, others ${others.toFixed(0)}% CPU`,
    );
    if (!best || others < (best.othersCpuPct ?? 0)) best = { ...s, idleRssMiB: s.idleRssMiB ?? best?.idleRssMiB };
    if (others <= settings.maxOthersPct || attempt > settings.retries) return { ...best, attempts: attempt };
    progress('  disturbed by other processes: measuring again');
  }
}

/**
 * Every variant once per round, the order reversed every other round so that no position favours
 * a variant. `measure(variant, round)` gives one sample; a variant that fails is not measured again.
 */
export async function runRounds(variants, rounds, measure) {
  const samples = new Map(variants.map((v) => [v.name, []]));
  const failures = [];
  for (let r = 1; r <= rounds; r++) {
    const order = r % 2 === 1 ? variants : [...variants].reverse();
    for (const v of order) {
      if (failures.some((f) => f.variant === v.name)) continue;
      progress(`round ${r}/${rounds}  ${v.name}`);
      try {
        samples.get(v.name).push({ round: r, ...(await measure(v, r)) });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        failures.push({ variant: v.name, error });
        console.error(`  ${v.name} failed: ${error}`);
      }
    }
  }
  return { samples, failures };
}

/**
 * Medians per variant, and for each baseline present the per-round req/s ratio (`vs[baseline]`),
 * CPU ratio (`cpuVs[baseline]`, baseline CPU / variant CPU) and CPU µs added (`cpuOver[baseline]`).
 */
export function summarise(samples, baselines) {
  const out = {};
  for (const [name, s] of samples) {
    if (s.length === 0) continue;
    const rps = s.map((x) => x.reqPerSec);
    out[name] = {
      reqPerSec: round(median(rps)),
      // (max − min) / median over rounds: how far to trust the median.
      spreadPct: round(((Math.max(...rps) - Math.min(...rps)) / median(rps)) * 100, 1),
      latencyP50Ms: median(s.map((x) => x.latencyMs.p50)),
      latencyP99Ms: median(s.map((x) => x.latencyMs.p99)),
      cpuUsPerReq: round(median(s.map((x) => x.cpuUsPerReq)), 1),
      idleRssMiB: round(median(s.map((x) => x.idleRssMiB)), 1),
      loadedRssMiB: round(median(s.map((x) => x.loadedRssMiB)), 1),
      othersCpuPctMax: round(Math.max(...s.map((x) => x.othersCpuPct ?? 0))),
      failedResponses: s.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0),
      vs: {},
      cpuVs: {},
      cpuOver: {},
    };
  }
  for (const [name, row] of Object.entries(out)) {
    for (const base of baselines) {
      if (!out[base]) continue;
      row.vs[base] = round(
        paired(samples, name, base, (x, r) => x.reqPerSec / r.reqPerSec),
        3,
      );
      row.cpuVs[base] = round(
        paired(samples, name, base, (x, r) => r.cpuUsPerReq / x.cpuUsPerReq),
        3,
      );
      row.cpuOver[base] = round(
        paired(samples, name, base, (x, r) => x.cpuUsPerReq - r.cpuUsPerReq),
        1,
      );
    }
  }
  return out;
}

/** Targets `{ variant, of, min, label }` checked on the per-round req/s ratio (and the CPU ratio, shown). */
export function checkTargets(samples, summary, targets) {
  return targets
    .filter((t) => summary[t.variant] && summary[t.of])
    .map((t) => {
      const ratio = paired(samples, t.variant, t.of, (x, r) => x.reqPerSec / r.reqPerSec);
      const cpuRatio = paired(samples, t.variant, t.of, (x, r) => r.cpuUsPerReq / x.cpuUsPerReq);
      return { ...t, ratio: round(ratio, 3), cpuRatio: round(cpuRatio, 3), pass: ratio >= t.min };
    });
}

/** True when some measured window was disturbed beyond the settings' tolerance, even after retries. */
export const disturbed = (summary, settings) =>
  Object.values(summary).some((r) => (r.othersCpuPctMax ?? 0) > settings.maxOthersPct);

/**
 * The Markdown a suite writes: title, environment and settings lines, the suite's own notes, the
 * comparison table (req/s, ratios against each baseline, latency, CPU, the CPU added over the last
 * baseline, optional idle RSS), then the disturbance warning, the targets and the failures.
 */
export function comparisonMarkdown({
  suite,
  title,
  env,
  settings,
  notes = [],
  summary,
  baselines,
  checks,
  failures,
  rss = false,
  extra = [],
}) {
  const over = baselines[baselines.length - 1];
  const header = [
    'variant',
    'req/s',
    'spread',
    ...baselines.map((b) => `vs ${b}`),
    'p50 ms',
    'p99 ms',
    'server CPU µs/req',
    `µs/req over ${over}`,
    ...(rss ? ['idle RSS MiB'] : []),
    'others CPU % (max)',
  ];
  const rows = Object.entries(summary).map(([name, r]) => [
    `\`${name}\``,
    r.reqPerSec,
    `${r.spreadPct}%`,
    ...baselines.map((b) => r.vs[b]?.toFixed(3)),
    r.latencyP50Ms,
    r.latencyP99Ms,
    r.cpuUsPerReq,
    r.cpuOver[over],
    ...(rss ? [r.idleRssMiB] : []),
    r.othersCpuPctMax,
  ]);
  const lines = [
    `## ${suite} — ${title}`,
    '',
    `${env.date} · Node ${env.node} · ${env.cores} × ${env.cpu} · load ${env.loadavg.join(' ')} · server on CPU 0, autocannon on CPU 1${env.pinned ? '' : ' (NOT pinned: no taskset)'}`,
    `${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmupS} s warm-up + ${settings.durationS} s measured, ${settings.rounds} interleaved round(s); req/s and CPU are medians, "vs" and "over" are medians of per-round comparisons`,
    ...notes,
    '',
    table(header, rows),
  ];
  const worst = Math.max(0, ...Object.values(summary).map((r) => r.othersCpuPctMax ?? 0));
  if (worst > settings.maxOthersPct) {
    lines.push(
      '',
      `**Disturbed run:** other processes used up to ${worst}% of a core during measured windows (after ${settings.retries} retries). The req/s ratios are unreliable; the CPU/req ratios less so.`,
    );
  }
  lines.push(...extra);
  if (checks.length > 0) {
    lines.push(
      '',
      table(
        ['target', 'req/s ratio', 'result', 'CPU/req ratio'],
        checks.map((c) => [c.label, c.ratio?.toFixed(3), c.pass ? 'pass' : 'FAIL', c.cpuRatio?.toFixed(3)]),
      ),
    );
  }
  if (failures.length > 0) {
    lines.push(
      '',
      ...failures.map((f) => `- **${f.variant} failed:** ${f.error.split('\n')[0]} (details in ${suite}.json)`),
    );
  }
  return lines.join('\n');
}

/**
 * The end of every side-by-side suite: write `<name>.json` (settings, summary, targets, whether the
 * run was disturbed, failures, samples, plus `extra`) and the Markdown, then fail the suite if a
 * variant could not be measured.
 */
export function writeComparison(
  name,
  { environment, config, summary, checks, failures, samples, extra = {} },
  markdown,
) {
  writeResults(
    name,
    {
      suite: name,
      environment,
      config,
      summary,
      targets: checks,
      disturbed: disturbed(summary, config),
      failures,
      ...extra,
      samples: { ...Object.fromEntries(samples), ...extra.samples },
    },
    markdown,
  );
  if (failures.length > 0) throw new Error(`${failures.map((f) => f.variant).join(', ')} could not be measured`);
}
