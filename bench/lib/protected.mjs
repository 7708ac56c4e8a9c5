// The protected stack the auth and tenant suites load: servers/protected-kernel.mjs verifying an
// HS256 access token (and, for tenant variants, resolving the tenant), and the token it accepts.
import { randomBytes } from 'node:crypto';
import { measureServer, measureUndisturbed } from './compare.mjs';

const claims = { issuer: 'https://bench.koaforge.test', audience: 'bench' };
const expectedBody = JSON.stringify({ hello: 'world' });

/** The service the suite signs its token with; the servers build the same one from the same secret. */
export function tokenService(auth, secret, extra = {}) {
  const keys = new auth.SigningKeyRing({
    algorithms: ['HS256'],
    activeKid: 'bench',
    keys: [{ kid: 'bench', alg: 'HS256', secret }],
  });
  return new auth.AccessTokenService({ keys, ...claims, ttlSeconds: 3600, ...extra });
}

/** The route answers with the token, and refuses without it (it is protected, not merely reachable). */
async function check(variant, url, headers) {
  const res = await fetch(url, headers ? { headers } : {});
  const body = await res.text();
  if (res.status !== 200 || JSON.stringify(JSON.parse(body)) !== expectedBody) {
    throw new Error(`${variant.name}: GET /hello answered ${res.status} ${body.slice(0, 200)}`);
  }
  if (variant.auth) {
    // Without a token the guard must refuse: proves the route is protected, not merely reachable.
    const anonymous = await fetch(url);
    const problem = await anonymous.text();
    if (anonymous.status !== 401 || !problem.includes('AUTH_REQUIRED')) {
      throw new Error(
        `${variant.name}: GET /hello without a token answered ${anonymous.status} ${problem.slice(0, 200)}`,
      );
    }
  }
}

/**
 * A fresh HS256 secret (32 random bytes as base64url text, as an operator would put in an env
 * variable), a token of an `acme` member signed with it, and the environment that makes
 * servers/protected-kernel.mjs verify it.
 */
export function protectedStack(auth) {
  const secret = randomBytes(32).toString('base64url');
  const token = tokenService(auth, secret).sign({
    subject: 'u1',
    sessionId: 's1',
    tenantId: 'acme',
    roles: ['member'],
  }).token;
  const env = { BENCH_AUTH_SECRET: secret, BENCH_AUTH_ISSUER: claims.issuer, BENCH_AUTH_AUDIENCE: claims.audience };
  return { secret, token, env };
}

/**
 * One sample of a protected-stack variant: the token (and `variant.headers`) on every request, the
 * route checked first, then `variant.check(url, headers)` when the variant has more to prove.
 */
export function measureProtected(v, settings, { env, token }) {
  const headers = v.auth ? { authorization: `Bearer ${token}`, ...v.headers } : v.headers;
  return measureUndisturbed(v, settings, () =>
    measureServer(v, settings, {
      env,
      headers,
      check: async (url) => {
        await check(v, url, headers);
        await v.check?.(url, headers);
      },
    }),
  );
}
