// Start-up: time from spawning `node <entry>` to the first answered HTTP request, and idle RSS 2 s later.
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, get } from '../lib/net.mjs';
import { rssMiB, sleep, spawnNode, stop, waitForQuiet } from '../lib/proc.mjs';
import { environment, median, progress, round, table, writeResults } from '../lib/report.mjs';

export const description = 'spawn to first answered request, idle RSS';

// ─── App entries to time ─────────────────────────────────────────────────────────────────────────
// file: path from the repository root. path: what to GET (any HTTP status counts as an answer).
// The entry gets its port as PORT and KOAFORGE_HTTP__PORT. Entries whose file is missing are skipped.
// targets: startMs / idleRssMiB upper bounds (medians) from the project issue.
// fresh: files removed before every run. The showcase runs with V8's code cache (bundle-app.mjs
// --code-cache), written by the unmeasured first run; the "first start" row shows a start without it.
const showcaseCache = 'examples/showcase/dist/app.cjs.v8-cache';
export const entries = [
  { name: 'showcase', file: 'examples/showcase/dist/main.js', path: '/healthz', targets: { startMs: 300 } },
  {
    name: 'showcase, first start after a build (no code cache yet)',
    file: 'examples/showcase/dist/main.js',
    path: '/healthz',
    fresh: [showcaseCache],
  },
  { name: 'quickstart', file: 'examples/quickstart/dist/main.js', path: '/healthz', targets: { idleRssMiB: 60 } },
  { name: 'kernel-defaults', file: 'bench/servers/kernel-defaults.mjs', path: '/hello' },
  // Baselines, to read the figures against:
  { name: 'node-http (baseline)', file: 'bench/servers/node-http.mjs', path: '/hello' },
  { name: 'koa-router (baseline)', file: 'bench/servers/koa-router.mjs', path: '/hello' },
];
// ─────────────────────────────────────────────────────────────────────────────────────────────────

const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const settleMs = 2000;
const pollMs = 2;
const timeoutMs = 30_000;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function once(entry) {
  const port = await freePort();
  const logFile = join(tmpdir(), `koaforge-bench-startup-${process.pid}-${port}.log`);
  const env = { PORT: String(port), KOAFORGE_HTTP__PORT: String(port), LOG_FILE: logFile, ...entry.env };
  const url = `http://127.0.0.1:${port}${entry.path ?? '/'}`;
  for (const f of entry.fresh ?? []) rmSync(join(repoRoot, f), { force: true });
  await waitForQuiet({ onWait: (pct) => progress(`  waiting: other processes use ${pct.toFixed(0)}% of a core`) });
  const t0 = performance.now();
  const child = spawnNode([join(repoRoot, entry.file)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`exited (${child.exitCode}) before answering\n${child.stderrText()}`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`no answer on ${url} within ${timeoutMs} ms`);
      try {
        await get(url, 1000);
        break;
      } catch {
        await sleep(pollMs);
      }
    }
    const startMs = performance.now() - t0;
    await sleep(settleMs);
    return { startMs, idleRssMiB: rssMiB(child.pid) };
  } finally {
    await stop(child);
    rmSync(logFile, { force: true });
  }
}

export async function run() {
  const results = [];
  for (const entry of entries) {
    if (!existsSync(join(repoRoot, entry.file))) {
      progress(`${entry.name}: skipped, ${entry.file} does not exist (build it first)`);
      results.push({ ...entry, skipped: `${entry.file} does not exist` });
      continue;
    }
    const samples = [];
    try {
      // One unmeasured run first, so every measured run starts with the files in the page cache.
      await once(entry);
      for (let i = 1; i <= runs; i++) {
        const s = await once(entry);
        samples.push(s);
        progress(`${entry.name} ${i}/${runs}: ${s.startMs.toFixed(0)} ms, ${s.idleRssMiB?.toFixed(1) ?? '?'} MiB`);
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      console.error(`  ${entry.name} failed: ${error}`);
      results.push({ ...entry, error, samples });
      continue;
    }
    const startMs = round(median(samples.map((s) => s.startMs)));
    const idleRssMiB = round(median(samples.map((s) => s.idleRssMiB)), 1);
    const checks = [];
    if (entry.targets?.startMs !== undefined)
      checks.push({ label: `start < ${entry.targets.startMs} ms`, pass: startMs < entry.targets.startMs });
    if (entry.targets?.idleRssMiB !== undefined) {
      checks.push({ label: `idle RSS < ${entry.targets.idleRssMiB} MiB`, pass: idleRssMiB < entry.targets.idleRssMiB });
    }
    results.push({
      ...entry,
      startMs,
      startMinMs: round(Math.min(...samples.map((s) => s.startMs))),
      startMaxMs: round(Math.max(...samples.map((s) => s.startMs))),
      idleRssMiB,
      checks,
      samples: samples.map((s) => ({ startMs: round(s.startMs, 1), idleRssMiB: round(s.idleRssMiB, 1) })),
    });
  }
  const env = environment({ pinned: false, runs, warmupRuns: 1, settleMs });
  const rows = results.map((r) => [
    `\`${r.name}\``,
    r.skipped ? `skipped: ${r.skipped}` : r.error ? 'failed' : r.startMs,
    r.startMinMs !== undefined ? `${r.startMinMs}–${r.startMaxMs}` : undefined,
    r.idleRssMiB,
    r.checks?.map((c) => `${c.label}: ${c.pass ? 'pass' : 'FAIL'}`).join('; ') || undefined,
  ]);
  const md = [
    '## startup — spawn to first answered request',
    '',
    `${env.date} · Node ${env.node} · ${env.cores} × ${env.cpu} · median of ${runs} runs after 1 unmeasured, not pinned · idle RSS ${settleMs / 1000} s after the first answer`,
    '',
    table(['entry', 'start ms (median)', 'min–max ms', 'idle RSS MiB', 'targets'], rows),
  ].join('\n');
  writeResults('startup', { suite: 'startup', environment: env, results }, md);
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) throw new Error(`${failed.map((r) => r.name).join(', ')} failed`);
}
