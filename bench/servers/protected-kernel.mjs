// koaforge kernel with every core default on (as kernel-defaults.mjs), and `GET /hello` protected
// by @koaforge/auth when AUTH_MODE is `cached` or `uncached`: `authenticate()` in the authenticate
// phase (HS256 access tokens, a KeyObject made once at boot, a memory deny-list checked on every
// request) and the RBAC guard `requirePermission('users:read')` on the route.
// AUTH_MODE=none: the same server without auth, the baseline. `uncached`: the verified-token cache
// is off (`cacheSize: 0`), so every request pays for the signature and the claim checks.
// TENANT=1 adds @koaforge/tenant's resolver (tenant from the principal, `X-Tenant-Id` checked
// against it, registry lookup) in the tenant phase: the cost the tenant suite measures.
// BENCH_AUTH_SECRET,
// BENCH_AUTH_ISSUER, BENCH_AUTH_AUDIENCE: the key and claims the suite signs its token with.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@koaforge/core';

const mode = process.env.AUTH_MODE ?? 'none';
const withTenant = process.env.TENANT === '1';
const destination = process.env.LOG_FILE ?? join(tmpdir(), `koaforge-bench-${process.pid}.log`);
// The tenant plugin's defaults: principal (trusted), `X-Tenant-Id` (hint), a static registry.
const tenant = {
  tenants: [
    { id: 'acme', name: 'Acme' },
    { id: 'globex', name: 'Globex' },
  ],
};
const app = createApp({ config: { file: false, env: {}, overrides: { log: { destination }, tenant } } });
const hello = (ctx) => {
  ctx.body = { hello: 'world' };
};

if (mode === 'none') {
  app.router.get('/hello', hello);
} else {
  const auth = await import('@koaforge/auth');
  const keys = new auth.SigningKeyRing({
    algorithms: ['HS256'],
    activeKid: 'bench',
    keys: [{ kid: 'bench', alg: 'HS256', secret: process.env.BENCH_AUTH_SECRET }],
  });
  const accessTokens = new auth.AccessTokenService({
    keys,
    issuer: process.env.BENCH_AUTH_ISSUER,
    audience: process.env.BENCH_AUTH_AUDIENCE,
    ttlSeconds: 3600,
    revocations: new auth.MemoryRevocationStore(),
    ...(mode === 'uncached' ? { cacheSize: 0 } : {}),
  });
  const authorizer = new auth.Authorizer({
    roles: [
      { name: 'admin', allow: ['*'] },
      { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'] },
    ],
  });
  // Optional: anonymous requests pass authentication and the guard answers 401, as in an app where
  // some routes are public.
  app.use(auth.authenticate({ accessTokens, optional: true }), { phase: 'authenticate' });
  if (withTenant) {
    const { requireTenant, tenantPlugin } = await import('@koaforge/tenant');
    app.register(tenantPlugin);
    app.router.get('/hello', auth.requirePermission('users:read', { authorizer }), requireTenant(), hello);
  } else {
    app.router.get('/hello', auth.requirePermission('users:read', { authorizer }), hello);
  }
}

await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log('READY');
