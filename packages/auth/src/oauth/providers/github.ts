import * as client from 'openid-client';
import * as z from 'zod';
import {
  type AuthorizationRequest,
  assertProviderId,
  type CallbackRequest,
  endpointUrl,
  normalizeEmail,
  type OAuthIdentity,
  type OAuthProvider,
  oauthFailed,
  providerStep,
} from '../provider.js';
import { fetchProviderJson } from './provider-fetch.js';

export const GITHUB_ENDPOINTS = {
  authorization: 'https://github.com/login/oauth/authorize',
  token: 'https://github.com/login/oauth/access_token',
  api: 'https://api.github.com',
} as const;

export interface GitHubProviderOptions {
  /** Default `github`. */
  id?: string;
  clientId: string;
  clientSecret: string;
  /** Default `['read:user', 'user:email']` (`user:email` is what lets us read verified addresses). */
  scopes?: readonly string[];
  /** Override endpoints (GitHub Enterprise Server, or local stand-ins in tests). */
  endpoints?: Partial<Record<keyof typeof GITHUB_ENDPOINTS, string>>;
  /** Per-request deadline. Default 10 s. */
  timeoutSeconds?: number;
  /** GitHub's API rejects requests without a User-Agent. Default `koaforge-auth`. */
  userAgent?: string;
  /** Allow `http:` endpoints. Only for local stand-ins in tests. */
  allowInsecureRequests?: boolean;
}

const userSchema = z.object({
  id: z.number().int().positive(),
  login: z.string().min(1),
  name: z.string().nullish(),
  avatar_url: z.string().nullish(),
});

const emailsSchema = z
  .array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }).loose())
  .max(1000);

/**
 * Sign in with GitHub (a plain OAuth 2 app: no ID token). Authorization code with PKCE S256 and
 * `state`; the token exchange goes through openid-client. The subject is the numeric user id
 * (logins can be renamed and re-registered); the e-mail is the primary address from
 * `/user/emails`, verified only if GitHub says so — `/user`'s public e-mail is never trusted.
 *
 * @example
 * const github = githubProvider({ clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET });
 */
export function githubProvider(options: GitHubProviderOptions): OAuthProvider {
  const id = assertProviderId(options.id ?? 'github');
  const insecure = options.allowInsecureRequests === true;
  const endpoints = { ...GITHUB_ENDPOINTS, ...options.endpoints };
  const authorizationEndpoint = endpointUrl(endpoints.authorization, `authorization endpoint of "${id}"`, insecure);
  const tokenEndpoint = endpointUrl(endpoints.token, `token endpoint of "${id}"`, insecure);
  const api = endpointUrl(endpoints.api.replace(/\/+$/, ''), `API of "${id}"`, insecure);
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const scope = (options.scopes ?? ['read:user', 'user:email']).join(' ');
  const apiHeaders = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': options.userAgent ?? 'koaforge-auth',
  };

  const config = new client.Configuration(
    {
      // GitHub publishes no metadata document; this is the metadata openid-client needs. GitHub
      // does not send RFC 9207 `iss`; the per-provider callback path and the transaction's
      // provider binding keep a response from another provider out.
      issuer: 'https://github.com',
      authorization_endpoint: authorizationEndpoint.href,
      token_endpoint: tokenEndpoint.href,
    },
    options.clientId,
    undefined,
    client.ClientSecretPost(options.clientSecret),
  );
  config.timeout = timeoutSeconds;
  if (insecure) client.allowInsecureRequests(config);
  config[client.customFetch] = errorsAsStatus;

  /**
   * GitHub answers token-endpoint errors (`bad_verification_code`, …) with HTTP 200. Give them the
   * 400 RFC 6749 §5.2 demands, so openid-client reports the OAuth error (and a refused code is a
   * 4xx for us) instead of "access_token must be a string".
   */
  async function errorsAsStatus(url: string, init: client.CustomFetchOptions): Promise<Response> {
    const res = await fetch(url, init as RequestInit);
    if (res.status !== 200 || url !== tokenEndpoint.href) return res;
    const text = await res.text();
    let status = 200;
    try {
      const body = JSON.parse(text) as { error?: unknown };
      if (typeof body.error === 'string') status = 400;
    } catch {
      // Not JSON: openid-client reports it.
    }
    return new Response(text, { status, headers: res.headers });
  }

  const apiGet = (path: string, accessToken: string, what: string) =>
    fetchProviderJson(new URL(`${api.pathname.replace(/\/$/, '')}${path}`, api), {
      headers: { ...apiHeaders, authorization: `Bearer ${accessToken}` },
      timeoutMs: timeoutSeconds * 1000,
      what: `GitHub ${what}`,
    });

  return {
    id,
    usesPkce: true,

    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope,
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
      });
    },

    async identify({ redirectUri, params, transaction }: CallbackRequest): Promise<OAuthIdentity> {
      const currentUrl = new URL(redirectUri);
      currentUrl.search = params.toString();
      const tokens = await providerStep(`GitHub sign-in with "${id}"`, () =>
        client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: transaction.state,
          idTokenExpected: false,
        }),
      );
      const [userRaw, emailsRaw] = await providerStep(`GitHub profile for "${id}"`, () =>
        Promise.all([
          apiGet('/user', tokens.access_token, 'user'),
          apiGet('/user/emails', tokens.access_token, 'e-mails'),
        ]),
      );
      const user = userSchema.safeParse(userRaw);
      const emails = emailsSchema.safeParse(emailsRaw);
      if (!user.success) throw oauthFailed('GitHub /user answer is malformed', user.error);
      if (!emails.success) throw oauthFailed('GitHub /user/emails answer is malformed', emails.error);
      const primary = emails.data.find((entry) => entry.primary);
      const email = normalizeEmail(primary?.email);
      return {
        provider: id,
        subject: String(user.data.id),
        email,
        emailVerified: email !== undefined && primary?.verified === true,
        name: user.data.name ?? undefined,
        username: user.data.login,
        picture: user.data.avatar_url ?? undefined,
        profile: { id: user.data.id, login: user.data.login, name: user.data.name ?? null },
      };
    },
  };
}
