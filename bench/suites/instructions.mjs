// Instructions per request under valgrind (callgrind): the `http` suite's servers, counted instead
// of timed. A count does not move when other jobs share the machine, so it shows what a change
// costs where req/s on a shared 2-core VM cannot (spreads of 10–40 %). It is not throughput: cache
// misses, the kernel's own work and thread scheduling are not in it. Needs `valgrind` (Debian:
// apt-get install valgrind); skipped with a note without it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/net.mjs';
import { sleep } from '../lib/proc.mjs';
import { environment, progress, round, table, writeResults } from '../lib/report.mjs';
import { variants } from './http.mjs';

export const description = 'instructions per request (callgrind), noise-free';

const settings = {
  /** Requests before counting starts: JIT tiers up, caches fill. */
  warmup: Number(process.env.BENCH_INSTR_WARMUP ?? 3000),
  /** Requests counted. */
  requests: Number(process.env.BENCH_INSTR_REQUESTS ?? 8000),
  /**
   * Requests in flight at once (keep-alive connections). Default 1: with more, how requests fall
   * into event-loop turns and reads depends on timing, and counts moved by 15 % between runs; one
   * at a time, separate runs of the same code agree to within about 5 % (JIT and GC timing).
   */
  concurrency: Number(process.env.BENCH_INSTR_CONCURRENCY ?? 1),
  /**
   * Servers counted at once. Default 1: with two, the load generator shares the cores with them,
   * and the changed timing (JIT tiers, GC) moved main-thread counts by up to 5 %.
   */
  parallel: Number(process.env.BENCH_INSTR_PARALLEL ?? 1),
};

function hasValgrind() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One server under callgrind: warm up, zero the counters, count `requests`, dump. */
async function count(variant) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'koaforge-callgrind-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      // One dump per thread: the main thread (JavaScript) apart from GC and libuv helper threads.
      '--separate-threads=yes',
      `--callgrind-out-file=${dir}/out.%p`,
      process.execPath,
      '--import',
      'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))',
      variant.file,
    ],
    {
      env: { ...process.env, PORT: String(port), LOG_FILE: join(dir, 'server.log'), ...variant.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.concurrency });
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/hello', agent }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`${variant.name}: GET /hello answered ${res.statusCode}`));
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const send = async (n) => {
    for (let i = 0; i < n; i += settings.concurrency)
      await Promise.all(Array.from({ length: settings.concurrency }, one));
  };
  try {
    for (let waited = 0; ; waited += 200) {
      if (child.exitCode !== null) throw new Error(`${variant.name} exited:\n${stderr}`);
      try {
        await one();
        break;
      } catch (err) {
        if (waited > 120_000) throw err;
        await sleep(200);
      }
    }
    await send(settings.warmup);
    execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' });
    await send(settings.requests);
    execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' });
    const dumps = readdirSync(dir).filter((f) => /^out\.\d+\.1-\d+$/.test(f));
    if (dumps.length === 0) throw new Error(`${variant.name}: callgrind wrote no dump`);
    let all = 0;
    let main;
    for (const f of dumps) {
      const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
      if (total === null) throw new Error(`${variant.name}: no totals in the callgrind dump ${f}`);
      all += Number(total[1]);
      if (f.endsWith('-01')) main = Number(total[1]);
    }
    if (main === undefined) throw new Error(`${variant.name}: no dump of the main thread`);
    return { main: main / settings.requests, all: all / settings.requests };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const env = environment({ ...settings });
  if (!hasValgrind()) {
    const md = '## instructions — per request\n\nSkipped: valgrind is not installed (`apt-get install valgrind`).';
    writeResults('instructions', { suite: 'instructions', environment: env, skipped: 'no valgrind' }, md);
    return;
  }
  const results = new Map();
  const queue = [...variants];
  const worker = async () => {
    for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
      const perRequest = await count(v);
      results.set(v.name, perRequest);
      progress(`${v.name}: ${Math.round(perRequest.main)} main thread, ${Math.round(perRequest.all)} all threads`);
    }
  };
  await Promise.all(Array.from({ length: settings.parallel }, worker));
  const reference = results.get('koa-router');
  const rows = variants.map((v) => {
    const n = results.get(v.name);
    return [
      `\`${v.name}\``,
      Math.round(n.main),
      round(reference.main / n.main, 3),
      Math.round(n.main - reference.main),
      Math.round(n.all),
      round(reference.all / n.all, 3),
    ];
  });
  const md = [
    '## instructions — per request (callgrind)',
    '',
    `${env.date} · Node ${env.node} · commit ${env.commit ?? '?'} · ${settings.warmup} requests of warm-up, then ${settings.requests} counted, ${settings.concurrency} in flight at a time`,
    '',
    'User-space instructions per request, from valgrind: the main thread (JavaScript, scavenges) and all threads (adding concurrent GC and libuv helpers). Main-thread counts repeat to within about 1–5 % between runs (JIT and GC timing), whatever else runs on the machine; not a throughput figure (memory stalls and the kernel are not counted). "koa-router ÷ variant" reads like the http suite\'s "vs koa-router".',
    '',
    table(
      [
        'variant',
        'main thread',
        'koa-router ÷ variant',
        'over koa-router',
        'all threads',
        'koa-router ÷ variant (all)',
      ],
      rows,
    ),
  ].join('\n');
  writeResults('instructions', { suite: 'instructions', environment: env, results: Object.fromEntries(results) }, md);
}
