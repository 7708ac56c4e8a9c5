import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { OAuthAccountLinker } from '../../src/oauth/account-linker.js';
import { googleProvider } from '../../src/oauth/providers/google.js';
import { oidcProvider } from '../../src/oauth/providers/oidc.js';
import { MemoryOAuthTransactionStore } from '../../src/oauth/stores/memory.js';
import type { OAuthTransaction, OAuthTransactionStore } from '../../src/oauth/transaction.js';
import { CookieJar } from './support/cookie-jar.js';
import { type Listening, listenLoopback } from './support/listen.js';
import { TestUserStore } from './support/memory-users.js';
import { callback, explain, mountOAuthApp, type OAuthTestApp, startLogin } from './support/oauth-app.js';
import { startOidcIdp, type TestIdp } from './support/oidc-idp.js';

/** Lets a test change the transaction the flow reads back (as if the browser's flow had been tampered with). */
class TamperingStore implements OAuthTransactionStore {
  readonly inner: MemoryOAuthTransactionStore;
  tamper: ((tx: OAuthTransaction) => OAuthTransaction) | undefined;

  constructor(now: () => number) {
    this.inner = new MemoryOAuthTransactionStore({ now });
  }

  save(key: string, tx: OAuthTransaction, ttlMs: number) {
    return this.inner.save(key, tx, ttlMs);
  }

  async consume(key: string) {
    const tx = await this.inner.consume(key);
    const tamper = this.tamper;
    this.tamper = undefined;
    return tx && tamper ? tamper(tx) : tx;
  }
}

const ALICE = { email: 'Alice@Example.test', email_verified: true, name: 'Alice' };

let appServer: Listening;
let idp: TestIdp;
let app: OAuthTestApp;
let store: TamperingStore;
let offsetMs = 0;
const users = new TestUserStore();
const audit: AuditInput[] = [];

beforeAll(async () => {
  appServer = await listenLoopback();
  idp = await startOidcIdp({
    redirectUris: [
      `${appServer.url}/auth/oauth/idp/callback`,
      `${appServer.url}/auth/oauth/other/callback`,
      `${appServer.url}/auth/oauth/static/callback`,
      `${appServer.url}/auth/oauth/google/callback`,
    ],
    accounts: {
      alice: ALICE,
      bob: { email: 'bob@example.test', email_verified: true, hd: 'example.test' },
      // Claims bob's address without the IdP having verified it.
      mallory: { email: 'bob@example.test', email_verified: false },
    },
  });
  const clock = () => Date.now() + offsetMs;
  store = new TamperingStore(clock);
  const linker = new OAuthAccountLinker({ users, audit: { record: (e) => audit.push(e) } });
  const provider = (id: string) =>
    oidcProvider({
      id,
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowInsecureRequests: true,
    });
  app = mountOAuthApp(appServer, {
    providers: [
      provider('idp'),
      provider('other'),
      // The same IdP with its endpoints given by hand: no discovery.
      oidcProvider({
        id: 'static',
        issuer: idp.issuer,
        metadata: {
          authorizationEndpoint: `${idp.issuer}/auth`,
          tokenEndpoint: `${idp.issuer}/token`,
          jwksUri: `${idp.issuer}/jwks`,
          userinfoEndpoint: `${idp.issuer}/me`,
          issParameterSupported: true,
        },
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        userInfo: 'always',
        allowInsecureRequests: true,
      }),
      // The Google preset pointed at the local IdP, to exercise its hosted-domain check.
      googleProvider({
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        hostedDomain: 'example.test',
        allowInsecureRequests: true,
      }),
    ],
    transactions: store,
    transactionTtlSeconds: 60,
    now: clock,
    returnTo: { allowed: ['https://app.example.test/*'] },
    audit: { record: (e) => audit.push(e) },
    onLogin: async (identity) => {
      if (identity.provider === 'idp' && identity.subject !== 'alice') await linker.resolve(identity);
    },
  });
});

afterAll(async () => {
  await appServer?.close();
  await idp?.close();
});

beforeEach(() => {
  app.logins.length = 0;
  app.errors.length = 0;
  audit.length = 0;
  offsetMs = 0;
  store.tamper = undefined;
  idp.grantErrors.length = 0;
});

/** The callback an IdP sends on an error answer (RFC 6749 §4.1.2.1), with the transaction's state. */
function errorCallback(authorizationUrl: URL, error: string): URL {
  const url = new URL(`${app.url}/auth/oauth/idp/callback`);
  url.searchParams.set('error', error);
  url.searchParams.set('state', authorizationUrl.searchParams.get('state') ?? '');
  url.searchParams.set('iss', idp.issuer);
  return url;
}

/** Start at the app, sign in at the IdP; answers the callback URL the IdP sent the browser to. */
async function signIn(jar: CookieJar, account = 'alice', returnTo?: string, provider = 'idp'): Promise<URL> {
  const { authorizationUrl } = await startLogin(jar, app.url, provider, returnTo);
  return idp.signIn(authorizationUrl, account);
}

describe('OIDC sign-in against a real OpenID Provider (oidc-provider on loopback)', () => {
  it('signs in with PKCE S256, state and nonce, calls onLogin with the verified identity and redirects to returnTo', async () => {
    const jar = new CookieJar();
    const { res, authorizationUrl } = await startLogin(jar, app.url, 'idp', '/dashboard?tab=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^kf-oauth=[A-Za-z0-9_-]{43}; Path=\/auth\/oauth; Max-Age=60; HttpOnly; SameSite=Lax$/);
    expect(authorizationUrl.origin).toBe(idp.issuer);
    const q = authorizationUrl.searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[0-9a-f]{64}$/);
    expect(q.get('nonce')).toBeTruthy();
    expect(q.get('redirect_uri')).toBe(`${app.url}/auth/oauth/idp/callback`);
    expect(q.get('scope')).toBe('openid email profile');

    const callbackUrl = await idp.signIn(authorizationUrl, 'alice');
    expect(callbackUrl.searchParams.get('iss')).toBe(idp.issuer);
    const done = await callback(jar, callbackUrl);
    expect(done.res.status).toBe(302);
    expect(done.res.headers.get('location')).toBe('/dashboard?tab=1');
    expect(done.res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(jar.get(app.url, 'kf-oauth')).toBeUndefined();
    expect(app.logins).toHaveLength(1);
    expect(app.logins[0]).toMatchObject({
      provider: 'idp',
      subject: 'alice',
      email: 'alice@example.test',
      emailVerified: true,
      name: 'Alice',
    });
  });

  it('signs in with endpoints given by hand, never fetching the discovery document', async () => {
    idp.requests.length = 0;
    const jar = new CookieJar();
    const done = await callback(jar, await signIn(jar, 'alice', '/after', 'static'));
    expect(done.res.status).toBe(302);
    expect(done.res.headers.get('location')).toBe('/after');
    expect(app.logins[0]).toMatchObject({ provider: 'static', subject: 'alice', email: 'alice@example.test' });
    // The browser, the token exchange and UserInfo went to the configured endpoints. (No /jwks: an
    // ID token from the token endpoint is trusted by TLS, OIDC Core §3.1.3.7, discovered or not.)
    expect(idp.requests).toEqual(expect.arrayContaining(['/auth', '/token', '/me']));
    expect(idp.requests.filter((p) => p.startsWith('/.well-known'))).toEqual([]);
  });

  it('with endpoints given by hand, the RFC 9207 iss parameter is still required and checked', async () => {
    const jar = new CookieJar();
    const url = await signIn(jar, 'alice', undefined, 'static');
    url.searchParams.set('iss', 'https://evil.test');
    expect((await callback(jar, url)).body.code).toBe('AUTH_OAUTH_FAILED');
    expect(explain(app.errors[0])).toMatch(/unexpected "iss" \(issuer\) response parameter value/);
    const missing = await signIn(jar, 'alice', undefined, 'static');
    missing.searchParams.delete('iss');
    expect((await callback(jar, missing)).body.code).toBe('AUTH_OAUTH_FAILED');
    expect(explain(app.errors[1])).toMatch(/response parameter "iss" \(issuer\) missing/);
    expect(app.logins).toHaveLength(0);
  });

  it('refuses plain-http endpoints given by hand unless allowed, at boot', () => {
    const metadata = {
      authorizationEndpoint: 'http://idp.test/auth',
      tokenEndpoint: 'https://idp.test/token',
      jwksUri: 'https://idp.test/jwks',
    };
    expect(() => oidcProvider({ id: 'x', issuer: 'https://idp.test', metadata, clientId: 'c' })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
    expect(() =>
      oidcProvider({
        id: 'x',
        issuer: 'https://idp.test',
        metadata: { ...metadata, authorizationEndpoint: 'https://idp.test/auth', jwksUri: 'nope' },
        clientId: 'c',
      }),
    ).toThrow(/jwksUri/);
  });

  it('redirects to an allow-listed absolute URL, and to / by default', async () => {
    const jar = new CookieJar();
    const first = await callback(jar, await signIn(jar, 'alice', 'https://app.example.test/welcome'));
    expect(first.res.headers.get('location')).toBe('https://app.example.test/welcome');
    const second = await callback(jar, await signIn(jar, 'alice'));
    expect(second.res.headers.get('location')).toBe('/');
  });

  it('refuses an open redirect at /start, before storing anything', async () => {
    for (const returnTo of ['//evil.test', 'https://evil.test/', '/\\evil.test', 'https:evil.test']) {
      const url = new URL('/auth/oauth/idp/start', app.url);
      url.searchParams.set('returnTo', returnTo);
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('AUTH_OAUTH_REDIRECT_INVALID');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(store.inner.size).toBe(0);
  });

  describe('state binding → AUTH_OAUTH_STATE_INVALID', () => {
    it('without the state cookie', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      jar.delete(app.url, 'kf-oauth');
      const { res, body } = await callback(jar, url);
      expect(res.status).toBe(400);
      expect(body.code).toBe('AUTH_OAUTH_STATE_INVALID');
      expect(app.logins).toHaveLength(0);
      expect(audit).toContainEqual(
        expect.objectContaining({ type: 'oauth.login', outcome: 'failure', reason: 'AUTH_OAUTH_STATE_INVALID' }),
      );
    });

    it('with a wrong state', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      url.searchParams.set('state', 'f'.repeat(64));
      const { res, body } = await callback(jar, url);
      expect([res.status, body.code]).toEqual([400, 'AUTH_OAUTH_STATE_INVALID']);
      expect(app.logins).toHaveLength(0);
    });

    it('with another browser’s cookie (the state is bound to the browser that started)', async () => {
      const victim = new CookieJar();
      const attacker = new CookieJar();
      const attackerCallback = await signIn(attacker);
      await startLogin(victim, app.url, 'idp');
      const { body } = await callback(victim, attackerCallback);
      expect(body.code).toBe('AUTH_OAUTH_STATE_INVALID');
    });

    it('on a replayed callback, even with the old cookie put back', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      const cookie = jar.get(app.url, 'kf-oauth') ?? '';
      expect((await callback(jar, url)).res.status).toBe(302);
      jar.set(app.url, 'kf-oauth', cookie);
      const { res, body } = await callback(jar, url);
      expect([res.status, body.code]).toEqual([400, 'AUTH_OAUTH_STATE_INVALID']);
      expect(app.logins).toHaveLength(1);
    });

    it('after the transaction TTL', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      offsetMs = 61_000;
      expect((await callback(jar, url)).body.code).toBe('AUTH_OAUTH_STATE_INVALID');
    });

    it('when the response reaches another provider’s callback (mix-up)', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar, 'alice', undefined, 'other');
      const wrong = new URL(url.href.replace('/other/callback', '/idp/callback'));
      expect((await callback(jar, wrong)).body.code).toBe('AUTH_OAUTH_STATE_INVALID');
    });
  });

  describe('the provider refuses the code → 400 AUTH_OAUTH_GRANT_INVALID', () => {
    it('with a tampered code', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      url.searchParams.set('code', `${url.searchParams.get('code')}x`);
      const { res, body } = await callback(jar, url);
      expect([res.status, body.code]).toEqual([400, 'AUTH_OAUTH_GRANT_INVALID']);
      // The provider's own words stay in the log.
      expect(JSON.stringify(body)).not.toMatch(/invalid_grant|not found/);
      expect(explain(app.errors[0])).toMatch(/invalid_grant/);
      expect(idp.grantErrors).toEqual(['authorization code not found']);
      expect(app.logins).toHaveLength(0);
    });

    it('with a tampered PKCE code_verifier (the IdP refuses the exchange)', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      // Change the last character (to something it is not) so the verifier no longer matches.
      store.tamper = (tx) => ({
        ...tx,
        codeVerifier: `${tx.codeVerifier.slice(0, -1)}${tx.codeVerifier.endsWith('A') ? 'B' : 'A'}`,
      });
      expect((await callback(jar, url)).body.code).toBe('AUTH_OAUTH_GRANT_INVALID');
      expect(explain(app.errors[0])).toMatch(/invalid_grant/);
      expect(idp.grantErrors).toEqual(['code_verifier does not match code_challenge']);
      expect(app.logins).toHaveLength(0);
    });
  });

  describe('provider-side checks → 502 AUTH_OAUTH_FAILED', () => {
    it('when the ID token nonce does not match the transaction', async () => {
      const jar = new CookieJar();
      const url = await signIn(jar);
      store.tamper = (tx) => ({ ...tx, nonce: 'another-nonce' });
      expect((await callback(jar, url)).body.code).toBe('AUTH_OAUTH_FAILED');
      expect(explain(app.errors[0])).toMatch(/unexpected ID Token "nonce" claim value/);
      expect(app.logins).toHaveLength(0);
    });

    it('checks the RFC 9207 iss parameter the IdP advertises: wrong or missing iss fails', async () => {
      const meta = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
        string,
        unknown
      >;
      expect(meta.authorization_response_iss_parameter_supported).toBe(true);

      const jar = new CookieJar();
      const wrong = await signIn(jar);
      wrong.searchParams.set('iss', 'https://evil.test');
      expect((await callback(jar, wrong)).body.code).toBe('AUTH_OAUTH_FAILED');
      expect(explain(app.errors[0])).toMatch(/unexpected "iss" \(issuer\) response parameter value/);

      const missing = await signIn(jar);
      missing.searchParams.delete('iss');
      expect((await callback(jar, missing)).body.code).toBe('AUTH_OAUTH_FAILED');
      expect(explain(app.errors[1])).toMatch(/response parameter "iss" \(issuer\) missing/);
      expect(app.logins).toHaveLength(0);
    });

    it('when the IdP answers with an error of its own (server_error)', async () => {
      const jar = new CookieJar();
      const { authorizationUrl } = await startLogin(jar, app.url, 'idp');
      const url = errorCallback(authorizationUrl, 'server_error');
      const { res, body } = await callback(jar, url);
      expect([res.status, body.code]).toEqual([502, 'AUTH_OAUTH_FAILED']);
      expect(explain(app.errors[0])).toMatch(/error "server_error"/);
    });
  });

  describe('the user says no at the provider → 403 AUTH_OAUTH_DENIED', () => {
    it('when the user cancels (error=access_denied), and the transaction is used up', async () => {
      const jar = new CookieJar();
      const { authorizationUrl } = await startLogin(jar, app.url, 'idp');
      const cookie = jar.get(app.url, 'kf-oauth') ?? '';
      const url = errorCallback(authorizationUrl, 'access_denied');
      const { res, body } = await callback(jar, url);
      expect([res.status, body.code]).toEqual([403, 'AUTH_OAUTH_DENIED']);
      expect(audit).toContainEqual(expect.objectContaining({ outcome: 'failure', reason: 'AUTH_OAUTH_DENIED' }));
      jar.set(app.url, 'kf-oauth', cookie);
      expect((await callback(jar, url)).body.code).toBe('AUTH_OAUTH_STATE_INVALID');
      expect(app.logins).toHaveLength(0);
    });

    it('for consent_required / login_required too; an error without our state is a state failure', async () => {
      for (const error of ['consent_required', 'login_required']) {
        const jar = new CookieJar();
        const { authorizationUrl } = await startLogin(jar, app.url, 'idp');
        expect((await callback(jar, errorCallback(authorizationUrl, error))).body.code).toBe('AUTH_OAUTH_DENIED');
      }
      const jar = new CookieJar();
      const { authorizationUrl } = await startLogin(jar, app.url, 'idp');
      const forged = errorCallback(authorizationUrl, 'access_denied');
      forged.searchParams.delete('state');
      const { res, body } = await callback(jar, forged);
      expect([res.status, body.code]).toEqual([400, 'AUTH_OAUTH_STATE_INVALID']);
    });
  });

  it('Google preset: sends hd and enforces the verified hd claim', async () => {
    const jar = new CookieJar();
    const { authorizationUrl } = await startLogin(jar, app.url, 'google');
    expect(authorizationUrl.searchParams.get('hd')).toBe('example.test');
    const outsider = await callback(jar, await idp.signIn(authorizationUrl, 'alice'));
    expect([outsider.res.status, outsider.body.code]).toEqual([403, 'AUTH_FORBIDDEN']);
    const member = await callback(jar, await signIn(jar, 'bob', undefined, 'google'));
    expect(member.res.status).toBe(302);
    expect(app.logins).toEqual([expect.objectContaining({ provider: 'google', subject: 'bob', emailVerified: true })]);
  });

  describe('account linking through onLogin', () => {
    it('links a provider account to the existing user when the IdP verified the e-mail', async () => {
      const bob = await users.create({ email: 'bob@example.test', emailVerified: true });
      const jar = new CookieJar();
      const { res } = await callback(jar, await signIn(jar, 'bob'));
      expect(res.status).toBe(302);
      expect((await users.findById(bob.id))?.externalIds).toEqual({ idp: 'bob' });
      expect(audit.map((e) => e.type)).toEqual(['oauth.linked', 'oauth.login']);
    });

    it('never links on an unverified provider e-mail', async () => {
      const jar = new CookieJar();
      const { res, body } = await callback(jar, await signIn(jar, 'mallory'));
      expect([res.status, body.code]).toEqual([409, 'AUTH_OAUTH_EMAIL_UNVERIFIED']);
      const bob = await users.findByEmail('bob@example.test');
      expect(bob?.externalIds).toEqual({ idp: 'bob' });
      expect(await users.findByExternalId('idp', 'mallory')).toBeUndefined();
    });
  });
});
