// Hello-world throughput: node:http, Koa, Koa + router and the koaforge kernel, side by side in one run.
// Server pinned to CPU 0, autocannon to CPU 1; variants interleaved over rounds, medians reported.
import { fileURLToPath } from 'node:url';
import {
  checkTargets,
  comparisonMarkdown,
  measureServer,
  measureUndisturbed,
  runRounds,
  summarise,
  writeComparison,
} from '../lib/compare.mjs';
import { get } from '../lib/net.mjs';
import { taskset } from '../lib/proc.mjs';
import { environment } from '../lib/report.mjs';
import { loadSettings } from '../lib/settings.mjs';

export const description = 'hello-world req/s, latency, server CPU per request';

const config = {
  ...loadSettings(),
  settleMs: 2000,
};

const server = (file) => fileURLToPath(new URL(`../servers/${file}`, import.meta.url));
export const variants = [
  { name: 'node-http', file: server('node-http.mjs') },
  { name: 'koa', file: server('koa.mjs') },
  { name: 'koa-router', file: server('koa-router.mjs') },
  // Not a target: Koa + router with one AsyncLocalStorage.run per request, the floor of any
  // request context on this Node.
  { name: 'koa-router-als', file: server('koa-router-als.mjs') },
  { name: 'kernel-bare', file: server('kernel-bare.mjs') },
  { name: 'kernel-defaults', file: server('kernel-defaults.mjs') },
  // Not a target: the defaults without the request context, i.e. without AsyncLocalStorage, whose
  // hook runs for every promise and async resource on Node 20. Shows what the context costs.
  {
    name: 'kernel-defaults-no-context',
    file: server('kernel-defaults.mjs'),
    env: { FEATURES_OFF: 'requestContext' },
  },
];
const targets = [
  { variant: 'kernel-bare', of: 'koa-router', min: 0.97, label: 'kernel, no plugins ≥ 97% of Koa + router' },
  { variant: 'kernel-defaults', of: 'koa-router', min: 0.85, label: 'kernel, core defaults ≥ 85% of Koa + router' },
];
const expectedBody = { hello: 'world' };

async function check(variant, url) {
  const res = await get(url);
  if (res.status !== 200 || JSON.stringify(JSON.parse(res.body)) !== JSON.stringify(expectedBody)) {
    throw new Error(`${variant.name}: GET /hello answered ${res.status} ${res.body.slice(0, 200)}`);
  }
}

export async function run() {
  const pinned = taskset() !== null;
  // Idle RSS is taken once per variant, in the first round, before any load.
  const { samples, failures } = await runRounds(variants, config.rounds, (v, round) =>
    measureUndisturbed(v, config, (attempt) =>
      measureServer(v, config, {
        check: (url) => check(v, url),
        idleMs: round === 1 && attempt === 1 ? config.settleMs : undefined,
      }),
    ),
  );
  const baselines = ['node-http', 'koa-router'];
  const summary = summarise(samples, baselines);
  const checks = checkTargets(samples, summary, targets);
  const env = environment({ pinned });
  const markdown = comparisonMarkdown({
    suite: 'http',
    title: 'hello world',
    env,
    settings: config,
    summary,
    baselines,
    checks,
    failures,
    rss: true,
  });
  writeComparison(
    'http',
    {
      environment: env,
      config,
      summary,
      checks,
      failures,
      samples,
      extra: { idleRssKernelDefaultsMiB: summary['kernel-defaults']?.idleRssMiB },
    },
    markdown,
  );
}
