import { buildShowcase } from './app.js';
import { SEED_PASSWORD, SEED_TENANTS, SEED_USERS } from './seed.js';
import { readSettings } from './settings.js';

// No top-level await: the production build is CommonJS, run with V8's code cache (see
// scripts/bundle-app.mjs --code-cache).
async function main(): Promise<void> {
  const settings = readSettings();
  const app = buildShowcase(settings);
  app.handleSignals();
  const { port } = await app.listen(settings.port, settings.host);
  const url = `http://${settings.host}:${port}`;
  const accounts = settings.seed
    ? [
        `  accounts (password ${SEED_PASSWORD}):`,
        ...SEED_USERS.map((u) => `    ${u.email.padEnd(20)} tenant ${u.tenantId.padEnd(7)} role ${u.role}`),
        `  tenants: ${SEED_TENANTS.map((t) => t.id).join(', ')} (from the token; or X-Tenant-Id, or http://acme.localhost:${port})`,
      ]
    : ['  no seeded accounts (SHOWCASE_SEED=0)'];
  process.stdout.write(
    [
      '',
      `  koaforge showcase on ${url}`,
      `  stores: ${settings.redisUrl ? `Redis at ${redactUrl(settings.redisUrl)} (users too)` : 'in memory (set REDIS_URL to share state)'}`,
      ...accounts,
      `  try: curl ${url}/healthz   curl ${url}/readyz   curl ${url}/metrics`,
      `       curl -X POST ${url}/api/v1/auth/login -H 'content-type: application/json' \\`,
      `            -d '{"email":"alice@acme.test","password":"${SEED_PASSWORD}"}'`,
      settings.smtpUrl || settings.production ? '' : `  mail: ${url}/dev/mailbox`,
      settings.authSecret ? '' : '  warning: AUTH_SECRET is not set; tokens are signed with the public demo secret',
      settings.mfaKey ? '' : '  warning: MFA_KEY is not set; TOTP secrets are sealed with the public demo key',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/** Never print a password that came in the URL. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
