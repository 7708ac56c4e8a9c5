import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubProvider } from '../../src/oauth/providers/github.js';
import { browse, CookieJar, location } from './support/cookie-jar.js';
import { type GitHubStandIn, startGitHubStandIn } from './support/github-stand-in.js';
import { type Listening, listenLoopback } from './support/listen.js';
import { callback, explain, mountOAuthApp, type OAuthTestApp, startLogin } from './support/oauth-app.js';

// GitHub itself is not reachable from the test environment: these run against a local stand-in
// (./support/github-stand-in.ts) that behaves as GitHub documents its OAuth app endpoints.

let appServer: Listening;
let github: GitHubStandIn;
let app: OAuthTestApp;

beforeAll(async () => {
  appServer = await listenLoopback();
  github = await startGitHubStandIn({
    octocat: {
      id: 583231,
      login: 'octocat',
      name: 'The Octocat',
      publicEmail: 'public@octo.test',
      emails: [
        { email: 'other@octo.test', primary: false, verified: true },
        { email: 'Octocat@GitHub.test', primary: true, verified: true },
      ],
    },
    newbie: {
      id: 99,
      login: 'newbie',
      name: null,
      publicEmail: 'victim@example.test',
      emails: [
        { email: 'newbie@unverified.test', primary: true, verified: false },
        { email: 'second@verified.test', primary: false, verified: true },
      ],
    },
  });
  app = mountOAuthApp(appServer, {
    providers: [
      githubProvider({
        clientId: github.clientId,
        clientSecret: github.clientSecret,
        endpoints: {
          authorization: `${github.url}/login/oauth/authorize`,
          token: `${github.url}/login/oauth/access_token`,
          api: github.url,
        },
        allowInsecureRequests: true,
      }),
    ],
  });
});

afterAll(async () => {
  await appServer?.close();
  await github?.close();
});

beforeEach(() => {
  app.logins.length = 0;
  app.errors.length = 0;
  github.tokenRequests.length = 0;
});

/** Start at the app and let the stand-in "approve"; answers the callback URL. */
async function approve(jar: CookieJar, user: string, returnTo?: string): Promise<URL> {
  github.nextUser = user;
  const { authorizationUrl } = await startLogin(jar, app.url, 'github', returnTo);
  const res = await browse(jar, authorizationUrl);
  return location(res, authorizationUrl);
}

describe('GitHub sign-in (local stand-in)', () => {
  it('uses PKCE S256, reads the verified primary e-mail from /user/emails and redirects to returnTo', async () => {
    const jar = new CookieJar();
    const { authorizationUrl } = await startLogin(jar, app.url, 'github');
    expect(authorizationUrl.pathname).toBe('/login/oauth/authorize');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('scope')).toBe('read:user user:email');
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(`${app.url}/auth/oauth/github/callback`);

    const { res } = await callback(jar, await approve(jar, 'octocat', '/repos'));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/repos');
    expect(github.tokenRequests[0]).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: `${app.url}/auth/oauth/github/callback`,
      client_id: github.clientId,
    });
    expect(github.tokenRequests[0]?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(github.apiUserAgents.at(-1)).toBe('koaforge-auth');
    expect(app.logins).toEqual([
      expect.objectContaining({
        provider: 'github',
        subject: '583231',
        email: 'octocat@github.test',
        emailVerified: true,
        username: 'octocat',
        name: 'The Octocat',
      }),
    ]);
  });

  it('reports an unverified primary e-mail as unverified and ignores the public profile e-mail', async () => {
    const jar = new CookieJar();
    await callback(jar, await approve(jar, 'newbie'));
    expect(app.logins).toEqual([
      expect.objectContaining({ subject: '99', email: 'newbie@unverified.test', emailVerified: false }),
    ]);
  });

  it('answers 400 AUTH_OAUTH_GRANT_INVALID when GitHub refuses the code (error in a 200 body)', async () => {
    const jar = new CookieJar();
    const url = await approve(jar, 'octocat');
    url.searchParams.set('code', 'not-the-code');
    const { res, body } = await callback(jar, url);
    expect([res.status, body.code]).toEqual([400, 'AUTH_OAUTH_GRANT_INVALID']);
    expect(explain(app.errors[0])).toMatch(/GitHub sign-in.*bad_verification_code/);
    expect(app.logins).toHaveLength(0);
  });

  it('needs the state cookie like every provider', async () => {
    const url = await approve(new CookieJar(), 'octocat');
    const { body } = await callback(new CookieJar(), url);
    expect(body.code).toBe('AUTH_OAUTH_STATE_INVALID');
  });
});
