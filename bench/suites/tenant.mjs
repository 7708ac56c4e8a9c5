// Cost of tenant resolution on the protected stack: the kernel with core defaults + auth (JWT
// verify + RBAC guard), with and without @koaforge/tenant (tenant from the principal, the
// `X-Tenant-Id` hint checked against it, static registry, `requireTenant()` on the route), beside
// Koa + router, in one run. Same method as the auth suite; every variant gets the same headers.
import { fileURLToPath } from 'node:url';
import { checkTargets, comparisonMarkdown, distEntry, runRounds, summarise, writeComparison } from '../lib/compare.mjs';
import { taskset } from '../lib/proc.mjs';
import { measureProtected, protectedStack } from '../lib/protected.mjs';
import { environment } from '../lib/report.mjs';
import { loadSettings } from '../lib/settings.mjs';

export const description = 'tenant resolution on the protected stack vs the same stack without it and Koa + router';

const config = loadSettings();
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const server = here('../servers/protected-kernel.mjs');
const hint = { 'x-tenant-id': 'acme' };

/** The tenant is really resolved: a hint naming another tenant than the token's is refused. */
async function refusesMismatch(url, headers) {
  const res = await fetch(url, { headers: { ...headers, 'x-tenant-id': 'globex' } });
  const body = await res.text();
  if (res.status !== 403 || !body.includes('TENANT_MISMATCH')) {
    throw new Error(`kernel-auth-tenant: a mismatching X-Tenant-Id answered ${res.status} ${body.slice(0, 200)}`);
  }
}

const variants = [
  { name: 'koa-router', file: here('../servers/koa-router.mjs'), headers: hint },
  { name: 'kernel-auth', file: server, env: { AUTH_MODE: 'cached' }, auth: true, headers: hint },
  {
    name: 'kernel-auth-tenant',
    file: server,
    env: { AUTH_MODE: 'cached', TENANT: '1' },
    auth: true,
    headers: hint,
    check: refusesMismatch,
  },
];
const targets = [
  {
    variant: 'kernel-auth-tenant',
    of: 'kernel-auth',
    min: 0.97,
    label: 'tenant resolution costs ≤ 3% throughput of the protected stack',
  },
];

export async function run() {
  const pinned = taskset() !== null;
  distEntry(here('../../packages/tenant/'), ['tenantPlugin', 'requireTenant']);
  const auth = await import(distEntry(here('../../packages/auth/'), ['AccessTokenService', 'SigningKeyRing']));
  const stack = protectedStack(auth);
  const { samples, failures } = await runRounds(variants, config.rounds, (v) => measureProtected(v, config, stack));
  const baselines = ['koa-router', 'kernel-auth'];
  const summary = summarise(samples, baselines);
  const checks = checkTargets(samples, summary, targets);
  const env = environment({ pinned });
  const markdown = comparisonMarkdown({
    suite: 'tenant',
    title: 'tenant resolution on the protected stack',
    env,
    settings: config,
    notes: [
      "Every variant gets `Authorization: Bearer <acme member token>` and `X-Tenant-Id: acme`. `kernel-auth`: core defaults + `authenticate()` + `requirePermission('users:read')`. `kernel-auth-tenant`: the same + `tenantPlugin` (principal trusted, header hint checked against it, static registry of 2 tenants) + `requireTenant()` on the route.",
    ],
    summary,
    baselines,
    checks,
    failures,
  });
  writeComparison('tenant', { environment: env, config, summary, checks, failures, samples }, markdown);
}
