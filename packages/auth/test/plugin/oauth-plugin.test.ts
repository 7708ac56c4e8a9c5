import { createHash, randomBytes } from 'node:crypto';
import { type App, createApp, rateLimitPlugin, redisPlugin } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { authPlugin } from '../../src/plugin.js';
import { MemoryUserStore } from '../../src/users/memory-user-store.js';
import { browse, CookieJar, location } from '../oauth/support/cookie-jar.js';
import { type Listening, listenLoopback } from '../oauth/support/listen.js';
import { startOidcIdp, type TestIdp } from '../oauth/support/oidc-idp.js';

// OAuth sign-in as authPlugin mounts it, on the kernel, against a real OpenID Provider
// (oidc-provider) on loopback: start → IdP login and consent → callback → one-time code → exchange.

const SECRET = 'plugin-oauth-test-secret-that-is-long-enough-0123';
const CALLBACK = '/api/v1/auth/oauth/idp/callback';
const CODE_COOKIE = 'kf-oauth-code';

interface Booted {
  readonly app: App;
  readonly url: string;
  readonly users: MemoryUserStore;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

let idp: TestIdp;
let redis: RedisServerHandle;
const listening: Listening[] = [];
const apps: App[] = [];

function seedUsers(): MemoryUserStore {
  return new MemoryUserStore({
    users: [
      { email: 'alice@acme.test', emailVerified: true, tenantId: 'acme', roles: ['admin'] },
      { email: 'bob@acme.test', emailVerified: true, tenantId: 'acme', roles: ['member'] },
    ],
  });
}

async function boot(
  server: Listening,
  oauth: Record<string, unknown> = {},
  extra: { redisUrl?: string; users?: MemoryUserStore; audit?: AuditInput[]; login?: unknown } = {},
): Promise<Booted> {
  const overrides: Record<string, unknown> = {
    auth: {
      ...(extra.login === undefined ? {} : { login: extra.login }),
      secret: SECRET,
      passwords: { memoryCost: 1024, timeCost: 1 },
      roles: [{ name: 'admin', allow: ['*'] }],
      oauth: {
        publicUrl: server.url,
        returnTo: { allowed: ['https://app.example.test/*'] },
        providers: [
          {
            type: 'oidc',
            id: 'idp',
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            allowInsecureRequests: true,
          },
        ],
        ...oauth,
      },
    },
  };
  if (extra.redisUrl !== undefined) overrides.redis = { url: extra.redisUrl, keyPrefix: 'oauth-plugin:' };
  const app = createApp({ config: { file: false, env: {}, overrides }, logger: { level: 'silent' } });
  if (extra.redisUrl !== undefined) app.register(redisPlugin);
  app.register(rateLimitPlugin);
  const users = extra.users ?? seedUsers();
  app.register(authPlugin, { users, production: false });
  await app.start();
  apps.push(app);
  server.handle(app.callback());
  return { app, url: server.url, users };
}

async function send(base: string, path: string, init: { jar?: CookieJar; body?: unknown; token?: string } = {}) {
  const url = new URL(path, base);
  const headers: Record<string, string> = {};
  if (init.jar) headers.cookie = init.jar.header(url);
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers,
    redirect: 'manual',
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  init.jar?.take(url, res);
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : {} } as Answer;
}

/** GET /start as the browser; answers the IdP URL. */
async function start(app: Booted, jar: CookieJar, query: Record<string, string> = {}): Promise<URL> {
  const url = new URL('/api/v1/auth/oauth/idp/start', app.url);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await browse(jar, url);
  await res.body?.cancel();
  expect(res.status, `start answered ${res.status}`).toBe(302);
  return location(res, url);
}

/** The whole browser leg: start, sign in and consent at the IdP, callback. Answers the callback's answer. */
async function signIn(app: Booted, jar: CookieJar, account = 'alice', query: Record<string, string> = {}) {
  const callbackUrl = await idp.signIn(await start(app, jar, query), account);
  expect(callbackUrl.pathname).toBe(CALLBACK);
  const res = await browse(jar, callbackUrl);
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { res, body: json ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * Start a sign-in and answer the callback path the IdP sends when the user cancels there
 * (`error=access_denied`, RFC 6749 §4.1.2.1) with the transaction's state.
 */
async function cancelledCallback(app: Booted, jar: CookieJar): Promise<string> {
  const authorizationUrl = await start(app, jar);
  const url = new URL(`${app.url}${CALLBACK}`);
  url.searchParams.set('error', 'access_denied');
  url.searchParams.set('state', authorizationUrl.searchParams.get('state') ?? '');
  url.searchParams.set('iss', idp.issuer);
  return url.pathname + url.search;
}

/** The one-time code in a redirect's fragment. */
function codeOf(res: Response, base: string): string {
  const target = location(res, base);
  const code = new URLSearchParams(target.hash.slice(1)).get('oauth_code');
  expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return code ?? '';
}

let main: Booted;
let short: Booted;
let redirecting: Booted;

beforeAll(async () => {
  const servers = await Promise.all([
    listenLoopback(),
    listenLoopback(),
    listenLoopback(),
    listenLoopback(),
    listenLoopback(),
  ]);
  listening.push(...servers);
  idp = await startOidcIdp({
    redirectUris: servers.map((s) => `${s.url}${CALLBACK}`),
    accounts: {
      alice: { email: 'alice@acme.test', email_verified: true, name: 'Alice' },
      zed: { email: 'zed@elsewhere.test', email_verified: true },
    },
  });
  redis = await startRedisServer();
  main = await boot(servers[0]!);
  short = await boot(servers[1]!, { codeTtlSeconds: 1 });
  redirecting = await boot(servers[4]!, { errorRedirect: '/login?from=oauth' });
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await Promise.all(listening.map((s) => s.close()));
  await idp?.close();
  await redis?.stop();
});

describe('authPlugin OAuth sign-in (oidc-provider on loopback)', () => {
  it('start → IdP → callback → one-time code in the fragment → exchange → tokens that work on /me', async () => {
    const jar = new CookieJar();
    const authorizationUrl = await start(main, jar, { returnTo: '/welcome?tab=1' });
    expect(authorizationUrl.origin).toBe(idp.issuer);
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(`${main.url}${CALLBACK}`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');

    const callbackUrl = await idp.signIn(authorizationUrl, 'alice');
    const res = await browse(jar, callbackUrl);
    expect(res.status).toBe(302);
    const target = res.headers.get('location') ?? '';
    // No token in the URL: only a one-time code, and in the fragment (never sent to a server).
    expect(target).toMatch(/^\/welcome\?tab=1#oauth_code=[A-Za-z0-9_-]{43}$/);
    expect(target).not.toMatch(/eyJ/);
    const setCookies = res.headers.getSetCookie();
    expect(setCookies).toContainEqual(
      expect.stringMatching(
        /^kf-oauth-code=[A-Za-z0-9_-]{43}; Path=\/api\/v1\/auth\/oauth; Max-Age=60; HttpOnly; SameSite=Lax$/,
      ),
    );
    const code = codeOf(res, main.url);

    const exchanged = await send(main.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } });
    expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(exchanged.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect(exchanged.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(jar.get(main.url, CODE_COOKIE)).toBeUndefined();

    const me = await send(main.url, '/api/v1/me', { token: exchanged.body.accessToken as string });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'alice@acme.test', tenant: 'acme', roles: ['admin'] });
    // Linked by the IdP-verified e-mail onto the verified local account, in its tenant.
    const alice = await main.users.findByEmail('alice@acme.test', 'acme');
    expect(alice?.externalIds).toEqual({ idp: 'alice' });

    const refreshed = await send(main.url, '/api/v1/auth/refresh', {
      body: { refreshToken: exchanged.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
  });

  it('a replayed code → 400 AUTH_OAUTH_CODE_INVALID, even with the cookie put back', async () => {
    const jar = new CookieJar();
    const { res } = await signIn(main, jar);
    const code = codeOf(res, main.url);
    const binder = jar.get(main.url, CODE_COOKIE) ?? '';
    expect((await send(main.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } })).status).toBe(200);
    jar.set(main.url, CODE_COOKIE, binder);
    const replay = await send(main.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } });
    expect([replay.status, replay.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);
    expect(replay.headers.get('content-type')).toBe('application/problem+json');
  });

  it('a code without the browser that signed in → 400, and the attempt burns it', async () => {
    const jar = new CookieJar();
    const { res } = await signIn(main, jar);
    const code = codeOf(res, main.url);
    const thief = await send(main.url, '/api/v1/auth/oauth/exchange', { jar: new CookieJar(), body: { code } });
    expect([thief.status, thief.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);
    const owner = await send(main.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } });
    expect([owner.status, owner.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);
  });

  it('binds the code to the client app’s PKCE verifier when /start got a codeChallenge', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');

    const jar = new CookieJar();
    const first = await signIn(main, jar, 'alice', { codeChallenge, codeChallengeMethod: 'S256' });
    const wrong = await send(main.url, '/api/v1/auth/oauth/exchange', {
      jar,
      body: { code: codeOf(first.res, main.url), codeVerifier: randomBytes(32).toString('base64url') },
    });
    expect([wrong.status, wrong.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);

    const second = await signIn(main, jar, 'alice', { codeChallenge });
    const right = await send(main.url, '/api/v1/auth/oauth/exchange', {
      jar,
      body: { code: codeOf(second.res, main.url), codeVerifier: verifier },
    });
    expect(right.status).toBe(200);

    const plain = await send(main.url, '/api/v1/auth/oauth/idp/start?codeChallengeMethod=plain&codeChallenge=x');
    expect([plain.status, plain.body.code]).toEqual([422, 'VALIDATION_FAILED']);
  });

  it('an expired code → 400 AUTH_OAUTH_CODE_INVALID', async () => {
    const jar = new CookieJar();
    const { res } = await signIn(short, jar);
    const code = codeOf(res, short.url);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const late = await send(short.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } });
    expect([late.status, late.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);
  });

  it('malformed exchange bodies → 422, unknown codes → 400', async () => {
    const missing = await send(main.url, '/api/v1/auth/oauth/exchange', { body: {} });
    expect([missing.status, missing.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    const unknown = await send(main.url, '/api/v1/auth/oauth/exchange', { body: { code: 'a'.repeat(43) } });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);
  });

  it('the user cancelling at the IdP → 403 AUTH_OAUTH_DENIED, no code', async () => {
    const jar = new CookieJar();
    const res = await send(main.url, await cancelledCallback(main, jar), { jar });
    expect([res.status, res.body.code]).toEqual([403, 'AUTH_OAUTH_DENIED']);
    expect(res.headers.get('location')).toBeNull();
    expect(jar.get(main.url, CODE_COOKIE)).toBeUndefined();
  });

  it('with errorRedirect, a failed callback sends the browser back with the code and request id, not JSON', async () => {
    const jar = new CookieJar();
    const callbackUrl = await idp.signIn(await start(redirecting, jar), 'alice');
    // Another browser (no state cookie): the state check fails.
    const stranger = await send(redirecting.url, callbackUrl.pathname + callbackUrl.search, { jar: new CookieJar() });
    expect(stranger.status).toBe(302);
    const target = new URL(stranger.headers.get('location') ?? '', 'http://app.test');
    expect(target.pathname).toBe('/login');
    expect(target.searchParams.get('from')).toBe('oauth');
    expect(target.searchParams.get('error')).toBe('AUTH_OAUTH_STATE_INVALID');
    expect(target.searchParams.get('requestId')).toBe(stranger.headers.get('x-request-id'));
    expect(stranger.headers.getSetCookie().some((c) => c.startsWith(`${CODE_COOKIE}=`))).toBe(false);

    // The user cancelling at the IdP.
    const cancelJar = new CookieJar();
    const cancelled = await send(redirecting.url, await cancelledCallback(redirecting, cancelJar), { jar: cancelJar });
    expect(cancelled.status).toBe(302);
    expect(new URL(cancelled.headers.get('location') ?? '', 'http://app.test').searchParams.get('error')).toBe(
      'AUTH_OAUTH_DENIED',
    );

    // The same app still signs in.
    const ok = await browse(jar, callbackUrl);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toMatch(/#oauth_code=/);
  });

  it('refuses to start with an errorRedirect the returnTo policy does not allow', async () => {
    const server = await listenLoopback();
    listening.push(server);
    const failed = await boot(server, { errorRedirect: 'https://evil.test/login' }).catch((err: Error) => err);
    expect(failed).toMatchObject({ code: 'PLUGIN_HOOK_FAILED' });
    expect((failed as Error).cause).toMatchObject({ code: 'AUTH_CONFIG_INVALID' });
    expect((failed as Error).message).toMatch(/errorRedirect/);
  });

  it('a callback without its state cookie, or replayed → 400 AUTH_OAUTH_STATE_INVALID', async () => {
    const jar = new CookieJar();
    const callbackUrl = await idp.signIn(await start(main, jar), 'alice');
    const stranger = await send(main.url, callbackUrl.pathname + callbackUrl.search, { jar: new CookieJar() });
    expect([stranger.status, stranger.body.code]).toEqual([400, 'AUTH_OAUTH_STATE_INVALID']);
    const cookie = jar.get(main.url, 'kf-oauth') ?? '';
    const first = await send(main.url, callbackUrl.pathname + callbackUrl.search, { jar });
    expect(first.status).toBe(302);
    jar.set(main.url, 'kf-oauth', cookie);
    const again = await send(main.url, callbackUrl.pathname + callbackUrl.search, { jar });
    expect([again.status, again.body.code]).toEqual([400, 'AUTH_OAUTH_STATE_INVALID']);
  });

  it('refuses a redirect target off the allow-list at /start (400) and honours one on it', async () => {
    for (const returnTo of [
      'https://evil.test/',
      '//evil.test',
      '/\\evil.test',
      'https://app.example.test.evil.test/',
    ]) {
      const res = await send(main.url, `/api/v1/auth/oauth/idp/start?returnTo=${encodeURIComponent(returnTo)}`);
      expect([res.status, res.body.code], returnTo).toEqual([400, 'AUTH_OAUTH_REDIRECT_INVALID']);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const jar = new CookieJar();
    const { res } = await signIn(main, jar, 'alice', { returnTo: 'https://app.example.test/signed-in' });
    expect(res.headers.get('location')).toMatch(/^https:\/\/app\.example\.test\/signed-in#oauth_code=/);
  });

  it('does not sign up unknown identities unless allowSignup is on', async () => {
    const jar = new CookieJar();
    const { res, body } = await signIn(main, jar, 'zed');
    expect([res.status, body.code]).toEqual([403, 'AUTH_FORBIDDEN']);
    expect(await main.users.findByEmail('zed@elsewhere.test')).toBeUndefined();
  });

  it('limits /start per client like login: unauthenticated calls cannot fill the transaction store', async () => {
    const server = await listenLoopback();
    listening.push(server);
    const app = await boot(server, {}, { login: { rateLimit: { limit: 2, window: '1m' } } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(app.url, '/api/v1/auth/oauth/idp/start')).status);
    expect(statuses).toEqual([302, 302, 429]);
    const limited = await send(app.url, '/api/v1/auth/oauth/idp/start');
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('looks the account up in the tenant named at /start', async () => {
    const jar = new CookieJar();
    // Alice is an acme account: in globex she is nobody, and sign-up is closed.
    const { res, body } = await signIn(main, jar, 'alice', { tenant: 'globex' });
    expect([res.status, body.code]).toEqual([403, 'AUTH_FORBIDDEN']);
    const bad = await send(main.url, '/api/v1/auth/oauth/idp/start?tenant=%2F..');
    expect([bad.status, bad.body.code]).toEqual([422, 'VALIDATION_FAILED']);
  });
});

describe('authPlugin OAuth sign-in with Redis stores', () => {
  it('keeps transactions and codes in Redis: a code issued by one process is redeemed by another, once', async () => {
    const users = seedUsers();
    const one = await boot(
      listening[2]!,
      { allowSignup: true, defaultRoles: ['member'] },
      { redisUrl: redis.url, users },
    );
    const two = await boot(listening[3]!, {}, { redisUrl: redis.url, users });
    const jar = new CookieJar();
    const { res } = await signIn(one, jar, 'zed');
    const code = codeOf(res, one.url);
    const keyOf = createHash('sha256').update(code).digest('hex');
    const client = new Redis(redis.url);
    try {
      const stored = await client.get(`oauth-plugin:auth:oauth:code:${keyOf}`);
      expect(stored).not.toBeNull();
      expect(stored).not.toContain(code);
      const ttl = await client.pttl(`oauth-plugin:auth:oauth:code:${keyOf}`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);

      // The browser's cookie goes to the API origin; here the second process is another port.
      jar.set(two.url, CODE_COOKIE, jar.get(one.url, CODE_COOKIE) ?? '');
      const exchanged = await send(two.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } });
      expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
      expect(await client.exists(`oauth-plugin:auth:oauth:code:${keyOf}`)).toBe(0);
      const me = await send(one.url, '/api/v1/me', { token: exchanged.body.accessToken as string });
      // Signed up (allowSignup on the first process), without a tenant, as a member.
      expect(me.body).toMatchObject({ email: 'zed@elsewhere.test', roles: ['member'] });

      jar.set(one.url, CODE_COOKIE, jar.get(one.url, CODE_COOKIE) ?? 'x'.repeat(43));
      const replay = await send(one.url, '/api/v1/auth/oauth/exchange', { jar, body: { code } });
      expect([replay.status, replay.body.code]).toEqual([400, 'AUTH_OAUTH_CODE_INVALID']);
    } finally {
      client.disconnect();
    }
  });
});
