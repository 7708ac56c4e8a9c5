// RBAC permission checks per second, in process: RoleGraph.can for the common shapes (one role,
// inherited roles, wildcard grants, a deny in play, an API key limited by scopes, a refusal), the
// route guard's decision path and the async Authorizer.can. Target: ≥ 1M checks/s for every
// synchronous check.
import { fileURLToPath } from 'node:url';
import { distEntry } from '../lib/compare.mjs';
import { environment, median, progress, round, table, writeResults } from '../lib/report.mjs';
import { num } from '../lib/settings.mjs';

export const description = 'RBAC permission checks per second (RoleGraph.can, guards, Authorizer)';

const config = {
  iterations: num('BENCH_RBAC_ITERATIONS', 1_000_000),
  rounds: num('BENCH_RBAC_ROUNDS', 5),
  targetChecksPerSec: 1_000_000,
};

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const authDir = here('../../packages/auth/');

const ROLES = [
  { name: 'admin', allow: ['*'] },
  { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'] },
  { name: 'viewer', allow: ['*:read'] },
  { name: 'editor', inherits: ['viewer'], allow: ['docs:write', 'docs:publish', 'comments:*'] },
  { name: 'lead', inherits: ['editor', 'member'], allow: ['reports:export'] },
  { name: 'ops', allow: ['*'], deny: ['billing:*', 'users:delete'] },
  ...Array.from({ length: 40 }, (_, i) => ({ name: `filler-${i}`, allow: [`res${i}:read`, `res${i}:write`] })),
];

/** Checks per second of `fn(i)` called `n` times in a tight loop (sum kept so nothing is elided). */
function rate(fn, n) {
  let sink = 0;
  for (let i = 0; i < Math.min(n / 10, 100_000); i++) sink += fn(i) ? 1 : 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += fn(i) ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink < 0) console.log(sink);
  return (n / ns) * 1e9;
}

async function asyncRate(fn, n) {
  let sink = 0;
  for (let i = 0; i < n / 10; i++) sink += (await fn(i)) ? 1 : 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += (await fn(i)) ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink < 0) console.log(sink);
  return (n / ns) * 1e9;
}

function cases(rbac) {
  const graph = new rbac.RoleGraph(ROLES);
  const user = (roles) => ({ id: 'u1', type: 'user', tenantId: 'acme', roles });
  const member = user(['member']);
  const lead = user(['lead']);
  const ops = user(['ops']);
  const admin = user(['admin']);
  const key = {
    id: 'k1',
    type: 'apiKey',
    tenantId: 'acme',
    roles: ['admin'],
    scopes: ['files:*', 'users:read'],
    claims: { ownerId: 'u1' },
  };
  const parsed = rbac.parsePermission('files:write');
  const perms = ['files:write', 'users:read', 'notifications:read', 'files:delete'];
  return {
    graph,
    sync: [
      { name: 'member → files:write (resource wildcard)', expect: true, fn: () => graph.can(member, 'files:write') },
      { name: 'member → users:write (refused)', expect: false, fn: () => graph.can(member, 'users:write') },
      { name: 'lead (3 levels inherited) → docs:read', expect: true, fn: () => graph.can(lead, 'docs:read') },
      { name: 'admin (*) → anything', expect: true, fn: () => graph.can(admin, 'billing:refund') },
      {
        name: 'ops (* with denies) → billing:refund (denied)',
        expect: false,
        fn: () => graph.can(ops, 'billing:refund'),
      },
      { name: 'API key (admin ∩ scopes) → files:write', expect: true, fn: () => graph.can(key, 'files:write') },
      { name: 'member, pre-parsed permission (guard path)', expect: true, fn: () => graph.can(member, parsed) },
      {
        name: 'member, 4 permissions in rotation',
        expect: undefined,
        fn: (i) => graph.can(member, perms[i & 3]),
      },
      {
        name: 'new principal object per check (two roles)',
        expect: true,
        fn: () => graph.can({ id: 'u2', type: 'user', roles: ['member', 'viewer'] }, 'docs:read'),
      },
    ],
  };
}

async function guardCase(rbac) {
  const authorizer = new rbac.Authorizer({ roles: ROLES });
  const guards = rbac.createGuards({ authorizer });
  const mw = guards.requirePermission('files:write');
  const principal = { id: 'u1', type: 'user', roles: ['member'] };
  const ctx = { state: { auth: { principal } }, method: 'GET', path: '/files' };
  const next = () => Promise.resolve();
  const authzCheck = () => authorizer.can(principal, 'files:write');
  return { mw: () => mw(ctx, next), authzCheck };
}

export async function run() {
  const rbac = await import(distEntry(authDir, ['RoleGraph', 'Authorizer', 'createGuards', 'parsePermission']));
  const { sync } = cases(rbac);
  for (const c of sync) {
    const got = c.fn(0);
    if (c.expect !== undefined && got !== c.expect) throw new Error(`${c.name}: expected ${c.expect}, got ${got}`);
  }
  const guard = await guardCase(rbac);
  const samples = new Map([
    ...sync.map((c) => [c.name, []]),
    ['guard middleware (sync path, awaited)', []],
    ['Authorizer.can (async, awaited)', []],
  ]);
  for (let r = 1; r <= config.rounds; r++) {
    progress(`round ${r}/${config.rounds}`);
    for (const c of sync) samples.get(c.name).push(rate(c.fn, config.iterations));
    samples.get('guard middleware (sync path, awaited)').push(await asyncRate(guard.mw, config.iterations / 2));
    samples.get('Authorizer.can (async, awaited)').push(await asyncRate(guard.authzCheck, config.iterations / 2));
  }
  const summary = {};
  for (const [name, xs] of samples) {
    const med = median(xs);
    summary[name] = {
      checksPerSec: round(med),
      nsPerCheck: round(1e9 / med, 1),
      minPerSec: round(Math.min(...xs)),
      maxPerSec: round(Math.max(...xs)),
    };
  }
  const syncRates = sync.map((c) => summary[c.name].checksPerSec);
  const slowest = Math.min(...syncRates);
  const checks = [
    {
      label: `every synchronous RoleGraph.can shape ≥ ${config.targetChecksPerSec.toLocaleString('en')} checks/s`,
      measured: slowest,
      pass: slowest >= config.targetChecksPerSec,
    },
  ];
  const env = environment();
  const md = [
    '## rbac — permission checks per second',
    '',
    `${env.date} · Node ${env.node} · ${env.cores} × ${env.cpu} · load ${env.loadavg.join(' ')}`,
    `${ROLES.length} roles; median of ${config.rounds} rounds of ${config.iterations.toLocaleString('en')} checks (async rows: half as many, each awaited)`,
    '',
    table(
      ['check', 'checks/s', 'ns/check', 'min–max checks/s'],
      Object.entries(summary).map(([name, s]) => [
        name,
        s.checksPerSec.toLocaleString('en'),
        s.nsPerCheck,
        `${s.minPerSec.toLocaleString('en')}–${s.maxPerSec.toLocaleString('en')}`,
      ]),
    ),
    '',
    table(
      ['target', 'measured (slowest sync shape)', 'result'],
      checks.map((c) => [c.label, `${c.measured.toLocaleString('en')} checks/s`, c.pass ? 'pass' : 'FAIL']),
    ),
  ].join('\n');
  writeResults(
    'rbac',
    { suite: 'rbac', environment: env, config, summary, targets: checks, samples: Object.fromEntries(samples) },
    md,
  );
  if (!checks.every((c) => c.pass)) throw new Error('rbac: below the checks/s target');
}
