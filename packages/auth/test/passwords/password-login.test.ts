import { BruteForceGuard } from '@koaforge/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { PasswordLogin } from '../../src/passwords/password-login.js';
import { FakeUserStore, PASSWORD, TEST_ARGON2 } from './fake-user-store.js';
import { postLogin, startLoginApp } from './login-app.js';

let users: FakeUserStore;
let hasher: PasswordHasher;
let events: AuditInput[];
let app: { url: string; close(): Promise<void> };

async function seed() {
  const hash = await hasher.hash(PASSWORD);
  const alice = await users.create({ email: 'alice@acme.test', tenantId: 'acme', passwordHash: hash });
  const dave = await users.create({ email: 'dave@acme.test', tenantId: 'acme', passwordHash: hash });
  await users.update(dave.id, { disabled: true });
  users.updates.length = 0;
  return { alice, dave };
}

function makeLogin(guard?: BruteForceGuard) {
  return new PasswordLogin({ users, hasher, audit: { record: (e) => events.push(e) }, ...(guard && { guard }) });
}

beforeEach(async () => {
  users = new FakeUserStore();
  hasher = await PasswordHasher.create(TEST_ARGON2);
  events = [];
});
afterEach(async () => {
  await app?.close();
});

describe('PasswordLogin', () => {
  it('returns the user for the right password (e-mail trimmed and lower-cased) and audits the success', async () => {
    const { alice } = await seed();
    const user = await makeLogin().login('  Alice@ACME.test ', PASSWORD, 'acme', { ip: '203.0.113.1' });
    expect(user.id).toBe(alice.id);
    expect(events).toEqual([
      expect.objectContaining({ type: 'login.succeeded', outcome: 'success', actorId: alice.id, tenantId: 'acme' }),
    ]);
  });

  it('answers unknown user, wrong password and disabled account with the same status, headers and body', async () => {
    await seed();
    app = await startLoginApp(makeLogin());
    const cases = {
      unknown: { email: 'nobody@acme.test', password: PASSWORD, tenant: 'acme' },
      wrongPassword: { email: 'alice@acme.test', password: 'wrong-password-123', tenant: 'acme' },
      disabled: { email: 'dave@acme.test', password: PASSWORD, tenant: 'acme' },
      wrongTenant: { email: 'alice@acme.test', password: PASSWORD, tenant: 'globex' },
      notAString: { email: 42, password: ['x'] },
    };
    const answers = [];
    for (const body of Object.values(cases)) answers.push(await postLogin(app.url, body));
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      const { requestId, ...rest } = answer.body;
      expect(typeof requestId).toBe('string');
      expect(rest).toEqual({
        type: 'about:blank',
        title: 'Invalid credentials',
        status: 401,
        code: 'AUTH_INVALID_CREDENTIALS',
        detail: 'The email or password is wrong',
      });
    }
    // The audit trail, unlike the client, knows why.
    expect(events.map((e) => e.reason)).toEqual([
      'unknown_account',
      'wrong_password',
      'account_disabled',
      'unknown_account',
      'unknown_account',
    ]);
  });

  it('rehashes on login when the parameters changed, without failing the login', async () => {
    const { alice } = await seed();
    const stronger = await PasswordHasher.create({ ...TEST_ARGON2, timeCost: 2 });
    const login = new PasswordLogin({ users, hasher: stronger });
    await login.login('alice@acme.test', PASSWORD, 'acme');
    expect(users.updates).toHaveLength(1);
    const stored = users.users.get(alice.id)?.passwordHash ?? '';
    expect(stored).toContain('t=2');
    expect(await stronger.verify(stored, PASSWORD)).toEqual({ ok: true, needsRehash: false });
    await login.login('alice@acme.test', PASSWORD, 'acme');
    expect(users.updates).toHaveLength(1);
  });

  it('audits login.mfa_required instead of login.succeeded when the user has MFA on', async () => {
    const { alice } = await seed();
    const login = new PasswordLogin({
      users,
      hasher,
      audit: { record: (e) => events.push(e) },
      mfa: { isEnabled: async (id) => id === alice.id },
    });
    await login.login('alice@acme.test', PASSWORD, 'acme');
    expect(events.map((e) => e.type)).toEqual(['login.mfa_required']);
  });
});

describe('PasswordLogin brute-force protection (core BruteForceGuard)', () => {
  it('blocks an account from an ip after 5 failures: 429 RATE_LIMITED with Retry-After, even for the right password', async () => {
    await seed();
    app = await startLoginApp(makeLogin(new BruteForceGuard({ maxFailuresPerAccount: 5, maxFailuresPerIp: 100 })));
    const attempt = (password: string, ip = '198.51.100.7') =>
      postLogin(app.url, { email: 'alice@acme.test', password, tenant: 'acme', ip });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong-password-123')).status).toBe(401);
    const blocked = await attempt(PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toMatchObject({ type: 'login.failed', reason: 'rate_limited' });
    // Another address is not blocked for this account.
    expect((await attempt(PASSWORD, '198.51.100.8')).status).toBe(200);
  });

  it('blocks an ip that guesses across many accounts', async () => {
    await seed();
    app = await startLoginApp(makeLogin(new BruteForceGuard({ maxFailuresPerAccount: 5, maxFailuresPerIp: 6 })));
    for (let i = 0; i < 6; i++) {
      const res = await postLogin(app.url, {
        email: `user${i}@acme.test`,
        password: 'guess-password-1',
        ip: '192.0.2.9',
      });
      expect(res.status).toBe(401);
    }
    const blocked = await postLogin(app.url, {
      email: 'alice@acme.test',
      password: PASSWORD,
      tenant: 'acme',
      ip: '192.0.2.9',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('a success clears the account counter', async () => {
    await seed();
    const login = makeLogin(new BruteForceGuard({ maxFailuresPerAccount: 3 }));
    const ip = '203.0.113.50';
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) {
        await expect(login.login('alice@acme.test', 'wrong-password-123', 'acme', { ip })).rejects.toMatchObject({
          code: 'AUTH_INVALID_CREDENTIALS',
        });
      }
      await expect(login.login('alice@acme.test', PASSWORD, 'acme', { ip })).resolves.toBeDefined();
    }
  });
});
