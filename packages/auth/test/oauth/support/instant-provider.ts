import type { OAuthIdentity, OAuthProvider } from '../../../src/oauth/provider.js';

/** A provider that "approves" at once: its authorization URL carries what a callback needs. */
export const instantProvider: OAuthProvider = {
  id: 'instant',
  usesPkce: true,
  async authorizationUrl(request) {
    const url = new URL('https://idp.example.test/authorize');
    url.searchParams.set('redirect_uri', request.redirectUri);
    url.searchParams.set('state', request.state);
    return url;
  },
  async identify({ params }): Promise<OAuthIdentity> {
    return { provider: 'instant', subject: params.get('code') ?? '', emailVerified: false, profile: {} };
  },
};

/** The callback URL the provider would send the browser to. */
export function callbackFrom(authorizationUrl: URL, code = 'user-1'): URL {
  const url = new URL(authorizationUrl.searchParams.get('redirect_uri') ?? '');
  url.searchParams.set('code', code);
  url.searchParams.set('state', authorizationUrl.searchParams.get('state') ?? '');
  return url;
}
