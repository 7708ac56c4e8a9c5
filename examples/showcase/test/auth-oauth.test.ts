import type { App } from '@koaforge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShowcase } from '../src/app.js';
import { showcaseAuthConfig } from '../src/auth.js';
import { readSettings } from '../src/settings.js';
import { TEST_CONFIG } from './support.js';

// The showcase's OAuth wiring (README "OAuth sign-in"). The whole flow against a real OpenID
// Provider is tested at the plugin (packages/auth/test/plugin/oauth-plugin.test.ts); here: the
// environment turns it on, and the endpoints are where the README says.

const OAUTH_ENV = {
  OAUTH_ISSUER: 'http://127.0.0.1:1/unreachable-idp',
  OAUTH_CLIENT_ID: 'showcase',
  OAUTH_CLIENT_SECRET: 'showcase-client-secret',
};

describe('showcase OAuth settings', () => {
  it('is off without the variables, and needs all three', () => {
    expect(readSettings({}).oauth).toBeUndefined();
    expect(() => readSettings({ OAUTH_ISSUER: 'https://idp.test' })).toThrow(/go together/);
  });

  it('configures one OIDC provider, http issuers only outside production', () => {
    const dev = readSettings({ ...OAUTH_ENV, OAUTH_RETURN_TO: 'https://app.test/*, https://other.test/x' });
    expect(dev.oauth).toMatchObject({
      providerId: 'sso',
      allowedReturnTo: ['https://app.test/*', 'https://other.test/x'],
    });
    expect(showcaseAuthConfig(dev).oauth).toMatchObject({
      publicUrl: 'http://127.0.0.1:3000',
      allowSignup: false,
      returnTo: { allowed: ['https://app.test/*', 'https://other.test/x'] },
      providers: [{ type: 'oidc', id: 'sso', issuer: OAUTH_ENV.OAUTH_ISSUER, allowInsecureRequests: true }],
    });
    const prod = readSettings({
      ...OAUTH_ENV,
      NODE_ENV: 'production',
      AUTH_SECRET: 'x'.repeat(32),
      MFA_KEY: 'a'.repeat(64),
    });
    const [provider] = (showcaseAuthConfig(prod).oauth as { providers: Record<string, unknown>[] }).providers;
    expect(provider?.allowInsecureRequests).toBeUndefined();
  });
});

describe('showcase OAuth endpoints', () => {
  let plain: App;
  let withOAuth: App;
  let plainBase: string;
  let oauthBase: string;

  beforeAll(async () => {
    const options = {
      config: { file: false as const, env: {}, overrides: TEST_CONFIG },
      logger: { level: 'silent' as const },
    };
    plain = buildShowcase(readSettings({ PORT: '0' }), options);
    withOAuth = buildShowcase(readSettings({ PORT: '0', ...OAUTH_ENV }), options);
    plainBase = `http://127.0.0.1:${(await plain.listen(0, '127.0.0.1')).port}`;
    oauthBase = `http://127.0.0.1:${(await withOAuth.listen(0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    await plain?.stop();
    await withOAuth?.stop();
  });

  it('are not mounted without a provider', async () => {
    const res = await fetch(`${plainBase}/api/v1/auth/oauth/sso/start`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });

  it('are mounted with one: the exchange refuses unknown codes, an unreachable provider is a 502', async () => {
    const exchange = await fetch(`${oauthBase}/api/v1/auth/oauth/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'a'.repeat(43) }),
    });
    expect(exchange.status).toBe(400);
    expect(await exchange.json()).toMatchObject({ code: 'AUTH_OAUTH_CODE_INVALID' });

    const offSite = await fetch(`${oauthBase}/api/v1/auth/oauth/sso/start?returnTo=https://evil.test/`, {
      redirect: 'manual',
    });
    expect(offSite.status).toBe(400);
    expect(await offSite.json()).toMatchObject({ code: 'AUTH_OAUTH_REDIRECT_INVALID' });

    const start = await fetch(`${oauthBase}/api/v1/auth/oauth/sso/start`, { redirect: 'manual' });
    expect(start.status).toBe(502);
    expect(await start.json()).toMatchObject({ code: 'AUTH_OAUTH_FAILED' });
  });
});
