import { describe, expect, it } from 'vitest';
import { createOAuthProviders, oauthProviderConfigSchema } from '../../src/oauth/providers/provider-config.js';

describe('createOAuthProviders', () => {
  it('builds every provider type with its default id', () => {
    const providers = createOAuthProviders([
      { type: 'google', clientId: 'g', clientSecret: 'gs' },
      { type: 'github', clientId: 'h', clientSecret: 'hs' },
      { type: 'wechat', appId: 'wx1', appSecret: 'ws' },
      { type: 'oidc', id: 'okta', issuer: 'https://example.okta.com', clientId: 'o', clientSecret: 'os' },
    ]);
    expect(providers.map((p) => [p.id, p.usesPkce])).toEqual([
      ['google', true],
      ['github', true],
      ['wechat', false],
      ['okta', true],
    ]);
  });

  it('takes OIDC endpoints by hand from config, and validates them as the rest of the section', async () => {
    const metadata = {
      authorizationEndpoint: 'https://idp.test/authorize',
      tokenEndpoint: 'https://idp.test/token',
      jwksUri: 'https://idp.test/keys',
    };
    const entry = { type: 'oidc', id: 'corp', issuer: 'https://idp.test', clientId: 'c', metadata };
    const [provider] = createOAuthProviders([oauthProviderConfigSchema.parse(entry)]);
    const url = await provider?.authorizationUrl({
      redirectUri: 'https://app.test/cb',
      state: 's',
      nonce: 'n',
      codeChallenge: 'x'.repeat(43),
    });
    // Built from the configured endpoint at once: nothing was fetched (idp.test does not exist).
    expect(url?.origin + (url?.pathname ?? '')).toBe('https://idp.test/authorize');
    expect(
      oauthProviderConfigSchema.safeParse({ ...entry, metadata: { ...metadata, tokenEndpoint: 'nope' } }).success,
    ).toBe(false);
  });

  it('refuses duplicates, bad ids, plain-HTTP endpoints and reserved authorization parameters', () => {
    const bad = (entry: unknown) => () => createOAuthProviders([entry as never]);
    const config = expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' });
    expect(() =>
      createOAuthProviders([
        { type: 'github', clientId: 'a', clientSecret: 'b' },
        { type: 'github', clientId: 'c', clientSecret: 'd' },
      ]),
    ).toThrow(config);
    expect(bad({ type: 'oidc', id: 'Bad/Id', issuer: 'https://x.test', clientId: 'a' })).toThrow(config);
    expect(bad({ type: 'oidc', id: 'x', issuer: 'http://x.test', clientId: 'a' })).toThrow(config);
    expect(bad({ type: 'github', clientId: 'a', clientSecret: 'b', endpoints: { token: 'http://x.test/t' } })).toThrow(
      config,
    );
    expect(
      bad({
        type: 'oidc',
        id: 'x',
        issuer: 'https://x.test',
        clientId: 'a',
        authorizationParams: { redirect_uri: 'https://evil.test' },
      }),
    ).toThrow(config);
    expect(bad({ type: 'saml', id: 'x' })).toThrow(config);
  });
});
