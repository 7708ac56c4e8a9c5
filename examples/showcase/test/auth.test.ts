import type { App } from '@koaforge/core';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShowcase } from '../src/app.js';
import { readSettings } from '../src/settings.js';

// Black-box checks of the Auth part of shared/SHOWCASE.md, over a listening server.
const PASSWORD = 'correct-horse-battery-staple';
// Cheap Argon2 (2 shared cores) and a roomy login rate limit: many sign-ins come from one address here.
const TEST_CONFIG = {
  auth: { passwords: { memoryCost: 1024, timeCost: 1 }, login: { rateLimit: { limit: 1000, window: '1m' } } },
};

let app: App;
let base: string;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & unknown[];
}
interface Pair {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
}

async function call(method: string, path: string, options: { token?: string; apiKey?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined } as Answer;
}

async function login(email: string, password = PASSWORD): Promise<Pair> {
  const res = await call('POST', '/api/v1/auth/login', { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as Pair;
}

function expectProblem(res: Answer, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code, title: expect.any(String) });
  expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
}

/** The body of a problem without what differs per request. */
function sameProblem(res: Answer): Record<string, unknown> {
  const { requestId: _requestId, ...rest } = res.body as Record<string, unknown>;
  return rest;
}

beforeAll(async () => {
  app = buildShowcase(readSettings({ PORT: '0' }), {
    config: { file: false, env: {}, overrides: TEST_CONFIG },
    logger: { level: 'silent' },
  });
  const { port } = await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => app.stop());

describe('showcase: login and tokens', () => {
  it('POST /api/v1/auth/login → 200 {accessToken,refreshToken,tokenType:"Bearer",expiresIn}', async () => {
    const pair = await login('alice@acme.test');
    expect(Object.keys(pair).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(pair.accessToken.split('.')).toHaveLength(3);
  });

  it('bad credentials → 401 AUTH_INVALID_CREDENTIALS, the same body for an unknown user', async () => {
    const wrong = await call('POST', '/api/v1/auth/login', {
      body: { email: 'bob@acme.test', password: 'nope-nope-nope' },
    });
    const unknown = await call('POST', '/api/v1/auth/login', { body: { email: 'who@acme.test', password: 'nope' } });
    expectProblem(wrong, 401, 'AUTH_INVALID_CREDENTIALS');
    expectProblem(unknown, 401, 'AUTH_INVALID_CREDENTIALS');
    expect(sameProblem(unknown)).toEqual(sameProblem(wrong));
  });

  it('too many failures → 429 RATE_LIMITED with Retry-After', async () => {
    const attempt = () =>
      call('POST', '/api/v1/auth/login', { body: { email: 'mallory@acme.test', password: 'guess' } });
    for (let i = 0; i < 5; i++) expectProblem(await attempt(), 401, 'AUTH_INVALID_CREDENTIALS');
    const blocked = await attempt();
    expectProblem(blocked, 429, 'RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a body that does not validate → 422 VALIDATION_FAILED with issues', async () => {
    for (const [path, body] of [
      ['/api/v1/auth/login', { email: 42 }],
      ['/api/v1/auth/refresh', {}],
      ['/api/v1/auth/password/forgot', { email: ['x'] }],
      ['/api/v1/auth/password/reset', { token: 'x' }],
      ['/api/v1/auth/mfa/totp/login', { code: 1 }],
    ] as const) {
      const res = await call('POST', path, { body });
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(Array.isArray(res.body.issues) && res.body.issues.length > 0, path).toBe(true);
    }
  });

  it('GET /api/v1/me → {id,email,tenant,roles,permissions}; 401 AUTH_REQUIRED without credentials', async () => {
    const { accessToken } = await login('bob@acme.test');
    const me = await call('GET', '/api/v1/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: expect.any(String),
      email: 'bob@acme.test',
      tenant: 'acme',
      roles: ['member'],
    });
    expect(me.body.permissions).toEqual(expect.arrayContaining(['users:read', 'files:*', 'notifications:read']));
    expectProblem(await call('GET', '/api/v1/me'), 401, 'AUTH_REQUIRED');
    expectProblem(await call('GET', '/api/v1/me', { token: 'not.a.token' }), 401, 'AUTH_TOKEN_INVALID');
  });

  it('refresh → a new pair; reusing the old refresh token → 401 AUTH_REFRESH_REUSED and the session is revoked', async () => {
    const first = await login('alice@acme.test');
    const next = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(next.status).toBe(200);
    const second = next.body as unknown as Pair;
    expect(second).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await call('GET', '/api/v1/me', { token: second.accessToken })).status).toBe(200);

    const reuse = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expectProblem(reuse, 401, 'AUTH_REFRESH_REUSED');
    expect((await call('GET', '/api/v1/me', { token: second.accessToken })).status).toBe(401);
    const after = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: second.refreshToken } });
    expect(after.status).toBe(401);
  });

  it('logout → 204; the access token and the refresh token stop working', async () => {
    const pair = await login('bob@acme.test');
    expect((await call('POST', '/api/v1/auth/logout', { token: pair.accessToken })).status).toBe(204);
    expectProblem(await call('GET', '/api/v1/me', { token: pair.accessToken }), 401, 'AUTH_TOKEN_REVOKED');
    const refresh = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } });
    expect(refresh.status).toBe(401);
  });
});

describe('showcase: sessions', () => {
  it('GET /api/v1/auth/sessions lists the caller’s sessions, never a token', async () => {
    const one = await login('bob@acme.test');
    const two = await login('bob@acme.test');
    const res = await call('GET', '/api/v1/auth/sessions', { token: two.accessToken });
    expect(res.status).toBe(200);
    const list = res.body as unknown as Array<Record<string, unknown>>;
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastSeenAt', 'userAgent']);
    }
    expect(list.filter((s) => s.current)).toHaveLength(1);
    const text = JSON.stringify(list);
    for (const secret of [one.accessToken, one.refreshToken, two.accessToken, two.refreshToken]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.split('.')[0]);
    }
  });

  it('DELETE /api/v1/auth/sessions/:id → 204 for one’s own, 404 for another user’s', async () => {
    const bobOld = await login('bob@acme.test');
    const bob = await login('bob@acme.test');
    const alice = await login('alice@acme.test');
    const aliceSessions = (await call('GET', '/api/v1/auth/sessions', { token: alice.accessToken }))
      .body as unknown as Array<{
      id: string;
      current: boolean;
    }>;
    const aliceCurrent = aliceSessions.find((s) => s.current)!.id;
    expectProblem(
      await call('DELETE', `/api/v1/auth/sessions/${aliceCurrent}`, { token: bob.accessToken }),
      404,
      'AUTH_SESSION_NOT_FOUND',
    );
    expect((await call('GET', '/api/v1/me', { token: alice.accessToken })).status).toBe(200);

    const bobSessions = (await call('GET', '/api/v1/auth/sessions', { token: bobOld.accessToken }))
      .body as unknown as Array<{
      id: string;
      current: boolean;
    }>;
    const oldId = bobSessions.find((s) => s.current)!.id;
    expect((await call('DELETE', `/api/v1/auth/sessions/${oldId}`, { token: bob.accessToken })).status).toBe(204);
    expect((await call('GET', '/api/v1/me', { token: bobOld.accessToken })).status).toBe(401);
    expect((await call('GET', '/api/v1/me', { token: bob.accessToken })).status).toBe(200);
  });
});

describe('showcase: users and permissions', () => {
  it('GET /api/v1/users needs users:read; POST needs users:write (403 AUTH_FORBIDDEN); 401 AUTH_REQUIRED without credentials', async () => {
    const bob = await login('bob@acme.test');
    const list = await call('GET', '/api/v1/users', { token: bob.accessToken });
    expect(list.status).toBe(200);
    const emails = (list.body as unknown as Array<{ email: string; tenant: string }>).map((u) => u.email);
    expect(emails).toEqual(expect.arrayContaining(['alice@acme.test', 'bob@acme.test']));
    expect(emails).not.toContain('carol@globex.test');
    const created = { email: 'eve@acme.test', password: PASSWORD, role: 'member' };
    expectProblem(
      await call('POST', '/api/v1/users', { token: bob.accessToken, body: created }),
      403,
      'AUTH_FORBIDDEN',
    );
    expectProblem(await call('GET', '/api/v1/users'), 401, 'AUTH_REQUIRED');
    expectProblem(await call('POST', '/api/v1/users', { body: created }), 401, 'AUTH_REQUIRED');
  });

  it('POST /api/v1/users {email,password,role} → 201; the new user can sign in', async () => {
    const alice = await login('alice@acme.test');
    const res = await call('POST', '/api/v1/users', {
      token: alice.accessToken,
      body: { email: 'frank@acme.test', password: PASSWORD, role: 'member' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      email: 'frank@acme.test',
      tenant: 'acme',
      roles: ['member'],
    });
    expect(res.body).not.toHaveProperty('passwordHash');
    await login('frank@acme.test');
    const bad = await call('POST', '/api/v1/users', { token: alice.accessToken, body: { email: 'x', role: 7 } });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    const again = await call('POST', '/api/v1/users', {
      token: alice.accessToken,
      body: { email: 'frank@acme.test', password: PASSWORD, role: 'member' },
    });
    expectProblem(again, 409, 'AUTH_USER_EXISTS');
  });
});

describe('showcase: API keys', () => {
  it('create (key shown once), list without secrets, use as X-Api-Key, delete', async () => {
    const alice = await login('alice@acme.test');
    const created = await call('POST', '/api/v1/api-keys', {
      token: alice.accessToken,
      body: { name: 'reporting', scopes: ['users:read'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), key: expect.any(String), prefix: expect.any(String) });
    expect(created.body.scopes).toEqual(['users:read']);
    const { id, key } = created.body as unknown as { id: string; key: string };

    const listed = await call('GET', '/api/v1/api-keys', { token: alice.accessToken });
    expect(listed.status).toBe(200);
    expect((listed.body as unknown as Array<{ id: string }>).some((k) => k.id === id)).toBe(true);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const users = await call('GET', '/api/v1/users', { apiKey: key });
    expect(users.status).toBe(200);
    expect((users.body as unknown as unknown[]).length).toBeGreaterThanOrEqual(2);
    // Scoped to users:read: the owner's admin role does not carry over.
    const write = await call('POST', '/api/v1/users', {
      apiKey: key,
      body: { email: 'gina@acme.test', password: PASSWORD, role: 'member' },
    });
    expectProblem(write, 403, 'AUTH_FORBIDDEN');

    expect((await call('DELETE', `/api/v1/api-keys/${id}`, { token: alice.accessToken })).status).toBe(204);
    expectProblem(await call('GET', '/api/v1/users', { apiKey: key }), 401, 'AUTH_API_KEY_INVALID');
  });

  it('another user’s key id → 404; bad body → 422', async () => {
    const alice = await login('alice@acme.test');
    const bob = await login('bob@acme.test');
    const created = await call('POST', '/api/v1/api-keys', {
      token: alice.accessToken,
      body: { name: 'mine', scopes: ['users:read'] },
    });
    const { id } = created.body as unknown as { id: string };
    expectProblem(
      await call('DELETE', `/api/v1/api-keys/${id}`, { token: bob.accessToken }),
      404,
      'AUTH_API_KEY_NOT_FOUND',
    );
    expectProblem(
      await call('POST', '/api/v1/api-keys', { token: alice.accessToken, body: { name: 1 } }),
      422,
      'VALIDATION_FAILED',
    );
  });
});

describe('showcase: password reset', () => {
  async function mailbox(): Promise<Array<{ to: string; text: string }>> {
    return (await call('GET', '/dev/mailbox')).body as unknown as Array<{ to: string; text: string }>;
  }

  it('forgot → 202 with the same body for an unknown e-mail; reset via the mailed link → 204, sessions revoked', async () => {
    const alice = await login('alice@acme.test');
    const made = await call('POST', '/api/v1/users', {
      token: alice.accessToken,
      body: { email: 'dave@acme.test', password: PASSWORD, role: 'member' },
    });
    expect(made.status).toBe(201);
    const dave = await login('dave@acme.test');

    const unknown = await call('POST', '/api/v1/auth/password/forgot', { body: { email: 'nobody@acme.test' } });
    const known = await call('POST', '/api/v1/auth/password/forgot', { body: { email: 'dave@acme.test' } });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);

    let link: string | undefined;
    for (let i = 0; i < 50 && link === undefined; i++) {
      const mail = (await mailbox()).find((m) => m.to === 'dave@acme.test');
      link = mail?.text.match(/https?:\/\/\S+#token=[A-Za-z0-9_-]+/)?.[0];
      if (link === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(link).toBeDefined();
    expect((await mailbox()).some((m) => m.to === 'nobody@acme.test')).toBe(false);
    const token = new URL(link!).hash.replace(/^#token=/, '');

    const newPassword = 'a-brand-new-password-42';
    const weak = await call('POST', '/api/v1/auth/password/reset', { body: { token, password: 'short' } });
    expectProblem(weak, 422, 'AUTH_PASSWORD_WEAK');
    const reset = await call('POST', '/api/v1/auth/password/reset', { body: { token, password: newPassword } });
    expect(reset.status).toBe(204);
    expect((await call('GET', '/api/v1/me', { token: dave.accessToken })).status).toBe(401);
    const refresh = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: dave.refreshToken } });
    expect(refresh.status).toBe(401);
    const old = await call('POST', '/api/v1/auth/login', { body: { email: 'dave@acme.test', password: PASSWORD } });
    expectProblem(old, 401, 'AUTH_INVALID_CREDENTIALS');
    await login('dave@acme.test', newPassword);
    const again = await call('POST', '/api/v1/auth/password/reset', { body: { token, password: newPassword } });
    expectProblem(again, 400, 'AUTH_RESET_INVALID');
  });
});

describe('showcase: TOTP MFA', () => {
  it('enroll → verify → login answers mfaRequired → second step gives the pair', async () => {
    const carol = await login('carol@globex.test');
    const enroll = await call('POST', '/api/v1/auth/mfa/totp/enroll', { token: carol.accessToken });
    expect(enroll.status).toBe(200);
    const { secret, otpauthUri } = enroll.body as unknown as { secret: string; otpauthUri: string };
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);

    const now = Math.floor(Date.now() / 1000);
    const wrongVerify = await call('POST', '/api/v1/auth/mfa/totp/verify', {
      token: carol.accessToken,
      body: { code: '000000' },
    });
    expect(wrongVerify.status).toBeGreaterThanOrEqual(400);
    const verify = await call('POST', '/api/v1/auth/mfa/totp/verify', {
      token: carol.accessToken,
      body: { code: await generate({ secret, epoch: now }) },
    });
    expect(verify.status).toBe(200);
    const { recoveryCodes } = verify.body as unknown as { recoveryCodes: string[] };
    expect(recoveryCodes.length).toBeGreaterThan(0);

    const first = await call('POST', '/api/v1/auth/login', {
      body: { email: 'carol@globex.test', password: PASSWORD },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      mfaRequired: true,
      challengeToken: expect.any(String),
      expiresIn: expect.any(Number),
    });
    expect(first.body).not.toHaveProperty('accessToken');
    const { challengeToken } = first.body as unknown as { challengeToken: string };

    const bad = await call('POST', '/api/v1/auth/mfa/totp/login', { body: { challengeToken, code: '000000' } });
    expectProblem(bad, 401, 'AUTH_MFA_INVALID');
    // The next time step: the enrollment's step is spent (a code works once).
    const code = await generate({ secret, epoch: now + 30 });
    const second = await call('POST', '/api/v1/auth/mfa/totp/login', { body: { challengeToken, code } });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const pair = second.body as unknown as Pair;
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const me = await call('GET', '/api/v1/me', { token: pair.accessToken });
    expect(me.body).toMatchObject({ email: 'carol@globex.test', tenant: 'globex', roles: ['admin'] });
    const replay = await call('POST', '/api/v1/auth/mfa/totp/login', { body: { challengeToken, code } });
    expectProblem(replay, 401, 'AUTH_MFA_CHALLENGE_INVALID');
  });

  it('enroll needs a signed-in user', async () => {
    expectProblem(await call('POST', '/api/v1/auth/mfa/totp/enroll'), 401, 'AUTH_REQUIRED');
  });
});
