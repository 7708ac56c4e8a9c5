import Provider from 'oidc-provider';
import { browse, CookieJar, location } from './cookie-jar.js';
import { type Listening, listenLoopback } from './listen.js';

export interface IdpAccount {
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  /** Google Workspace domain claim. */
  readonly hd?: string;
}

export interface TestIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `error_detail` of token-endpoint errors (oidc-provider answers only a generic description). */
  readonly grantErrors: string[];
  /** Paths of every request the IdP received (browser and back channel), in order. */
  readonly requests: string[];
  /**
   * Play the browser at the IdP: follow its redirects, submit the dev login form as `accountId`
   * and the consent form, and answer the URL the IdP finally redirects to (our callback).
   */
  signIn(authorizationUrl: URL, accountId: string, jar?: CookieJar): Promise<URL>;
  close(): Promise<void>;
}

const PROMPT = /name="prompt" value="(login|consent)"/;

/**
 * A real OpenID Provider (panva's oidc-provider) on loopback, with one confidential client that
 * must use PKCE, and the development interaction pages as its login UI.
 */
export async function startOidcIdp(options: {
  redirectUris: string[];
  accounts: Record<string, IdpAccount>;
}): Promise<TestIdp> {
  const listening: Listening = await listenLoopback();
  const issuer = listening.url;
  const clientId = 'koaforge-test';
  const clientSecret = 'a-test-client-secret-that-is-long-enough-for-hs256';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'hd'] },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    findAccount: (_ctx: unknown, id: string) => {
      const account = options.accounts[id];
      if (account === undefined) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
  });
  const grantErrors: string[] = [];
  provider.on('grant.error', (_ctx, err) => {
    grantErrors.push(String((err as { error_detail?: unknown }).error_detail));
  });
  const requests: string[] = [];
  const handler = provider.callback();
  listening.handle((req, res) => {
    requests.push(new URL(req.url ?? '/', issuer).pathname);
    handler(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    grantErrors,
    requests,
    async signIn(authorizationUrl, accountId, jar = new CookieJar()) {
      let url = authorizationUrl;
      for (let hop = 0; hop < 12; hop++) {
        let res = await browse(jar, url);
        if (res.status === 200) {
          const prompt = PROMPT.exec(await res.text())?.[1];
          if (prompt === undefined) throw new Error(`unexpected IdP page at ${url.href}`);
          const form: Record<string, string> =
            prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt };
          res = await browse(jar, url, form);
        }
        await res.body?.cancel();
        const next = location(res, url);
        if (next.origin !== issuer) return next;
        url = next;
      }
      throw new Error('the IdP kept redirecting');
    },
    close: () => listening.close(),
  };
}
