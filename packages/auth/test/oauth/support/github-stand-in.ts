import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Listening, listenLoopback } from './listen.js';

/**
 * A stand-in for GitHub's OAuth endpoints and the two API calls we make, because the real
 * github.com is not reachable from the test environment. It follows GitHub's documented behaviour:
 * form-encoded token request answered as JSON when asked, errors as HTTP 200 with `error`,
 * `token_type: "bearer"`, comma-separated scopes, a User-Agent required on the API.
 */
export interface GitHubStandIn {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The GitHub user who "approves" the next authorization request. */
  nextUser: string;
  /** Token requests received (form fields), to check PKCE and redirect_uri were sent. */
  readonly tokenRequests: Record<string, string>[];
  readonly apiUserAgents: string[];
  close(): Promise<void>;
}

export interface GitHubStandInUser {
  readonly id: number;
  readonly login: string;
  readonly name: string | null;
  /** The public profile e-mail (never to be trusted for linking). */
  readonly publicEmail: string | null;
  readonly emails: { email: string; primary: boolean; verified: boolean }[];
}

interface Grant {
  readonly user: string;
  readonly challenge: string;
  readonly redirectUri: string;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startGitHubStandIn(users: Record<string, GitHubStandInUser>): Promise<GitHubStandIn> {
  const listening: Listening = await listenLoopback();
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, string>();
  const state: GitHubStandIn = {
    url: listening.url,
    clientId: 'Iv1.standin',
    clientSecret: 'standin-secret',
    nextUser: 'octocat',
    tokenRequests: [],
    apiUserAgents: [],
    close: () => listening.close(),
  };

  listening.handle(async (req, res) => {
    const url = new URL(req.url ?? '/', listening.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== state.clientId || q.get('code_challenge_method') !== 'S256') {
        return json(res, 400, { error: 'bad request' });
      }
      const code = randomBytes(10).toString('hex');
      const redirectUri = q.get('redirect_uri') ?? '';
      grants.set(code, { user: state.nextUser, challenge: q.get('code_challenge') ?? '', redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = await readForm(req);
      state.tokenRequests.push(form);
      const grant = grants.get(form.code ?? '');
      grants.delete(form.code ?? '');
      if (form.client_id !== state.clientId || form.client_secret !== state.clientSecret) {
        return json(res, 200, { error: 'incorrect_client_credentials' });
      }
      const challenge = createHash('sha256')
        .update(form.code_verifier ?? '')
        .digest('base64url');
      if (grant === undefined || grant.redirectUri !== form.redirect_uri) {
        return json(res, 200, {
          error: 'bad_verification_code',
          error_description: 'The code is incorrect or expired.',
        });
      }
      if (challenge !== grant.challenge) {
        return json(res, 200, { error: 'invalid_grant', error_description: 'code_verifier mismatch' });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, grant.user);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
      const agent = req.headers['user-agent'];
      if (!agent) return json(res, 403, { message: 'Request forbidden by administrative rules.' });
      state.apiUserAgents.push(agent);
      const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      const user = login === undefined ? undefined : users[login];
      if (user === undefined) return json(res, 401, { message: 'Bad credentials' });
      if (url.pathname === '/user/emails') return json(res, 200, user.emails);
      return json(res, 200, { id: user.id, login: user.login, name: user.name, email: user.publicEmail });
    }
    json(res, 404, { message: 'Not Found' });
  });
  return state;
}
