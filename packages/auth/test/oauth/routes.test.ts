import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from './support/cookie-jar.js';
import { callbackFrom, instantProvider as instant } from './support/instant-provider.js';
import { type Listening, listenLoopback } from './support/listen.js';
import { callback, mountOAuthApp, type OAuthTestApp, startLogin } from './support/oauth-app.js';

describe('mountOAuthRoutes', () => {
  let secureServer: Listening;
  let plainServer: Listening;
  let secureApp: OAuthTestApp;
  let plainApp: OAuthTestApp;

  beforeAll(async () => {
    secureServer = await listenLoopback();
    plainServer = await listenLoopback();
    // Default cookie options: Secure, __Secure- name.
    secureApp = mountOAuthApp(secureServer, { providers: [instant], cookie: {} });
    plainApp = mountOAuthApp(plainServer, {
      providers: [instant],
      onLogin: (identity) => (identity.subject === 'to-settings' ? { returnTo: '/settings' } : undefined),
      onError: (err, ctx) => {
        ctx.status = 303;
        ctx.redirect(`/login?error=${(err as { code?: string }).code ?? 'unknown'}`);
      },
    });
  });

  afterAll(async () => {
    await secureServer?.close();
    await plainServer?.close();
  });

  it('sets a Secure, HttpOnly, SameSite=Lax __Secure- cookie by default', async () => {
    const { res } = await startLogin(new CookieJar(), secureApp.url, 'instant');
    expect(res.headers.get('set-cookie')).toMatch(
      /^__Secure-kf-oauth=[A-Za-z0-9_-]{43}; Path=\/auth\/oauth; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it('lets onLogin choose another return target', async () => {
    const jar = new CookieJar();
    const { authorizationUrl } = await startLogin(jar, plainApp.url, 'instant', '/ignored');
    const { res } = await callback(jar, callbackFrom(authorizationUrl, 'to-settings'));
    expect(res.headers.get('location')).toBe('/settings');
  });

  it('hands failures to onError when given', async () => {
    const jar = new CookieJar();
    const { authorizationUrl } = await startLogin(jar, plainApp.url, 'instant');
    const url = callbackFrom(authorizationUrl);
    url.searchParams.set('state', 'wrong');
    const { res } = await callback(jar, url);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?error=AUTH_OAUTH_STATE_INVALID');
  });

  it('answers 404 for providers that are not configured', async () => {
    const res = await fetch(`${plainApp.url}/auth/oauth/nope/start`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });

  it('builds redirect URIs and the cookie path from publicUrl, not from the Host header', async () => {
    const res = await fetch(`${plainApp.url}/auth/oauth/instant/start`, {
      redirect: 'manual',
      headers: { host: 'evil.test', 'x-forwarded-host': 'evil.test' },
    });
    const to = new URL(res.headers.get('location') ?? '');
    expect(to.searchParams.get('redirect_uri')).toBe(`${plainApp.url}/auth/oauth/instant/callback`);
  });
});

describe('OAuthFlow configuration', () => {
  it('supports a public URL below a path', async () => {
    const { OAuthFlow } = await import('../../src/oauth/oauth-flow.js');
    const flow = new OAuthFlow({ providers: [instant], publicUrl: 'https://example.test/api/', prefix: '/sso' });
    expect(flow.redirectUri('instant')).toBe('https://example.test/api/sso/instant/callback');
    expect(flow.cookiePath).toBe('/api/sso');
    expect(() => new OAuthFlow({ providers: [instant, instant], publicUrl: 'https://example.test' })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
    expect(() => new OAuthFlow({ providers: [], publicUrl: 'https://example.test/?x' })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
  });
});
