import { type App, createApp, rateLimitPlugin } from '@koaforge/core';
import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { authPlugin } from '../../src/plugin.js';
import { MemoryUserStore } from '../../src/users/memory-user-store.js';
import { PasswordHasherToken } from '../../src/wiring/tokens.js';

// SHOWCASE: bad credentials → the same body and similar timing whether or not the user exists.
// Timing is asserted by the work done, not the clock: every failing login runs exactly one
// password verification (one Argon2 verify), whatever the account's state.

const PASSWORD = 'correct-horse-battery-staple';
let app: App;
let base: string;

beforeAll(async () => {
  const passwordHash = await new PasswordHasher({ memoryCost: 1024, timeCost: 1 }).hash(PASSWORD);
  const users = new MemoryUserStore({
    users: [
      { email: 'known@acme.test', tenantId: 'acme', roles: [], passwordHash },
      { email: 'gone@acme.test', tenantId: 'acme', roles: [], passwordHash },
      // Signs in with a provider only: no password hash at all.
      { email: 'sso@acme.test', tenantId: 'acme', roles: [], externalIds: { idp: 'sso' } },
    ],
  });
  await users.update((await users.findByEmail('gone@acme.test', 'acme'))!.id, { disabled: true });
  app = createApp({
    config: {
      file: false,
      env: {},
      overrides: {
        auth: {
          secret: 'login-equal-work-secret-long-enough-0123456789',
          passwords: { memoryCost: 1024, timeCost: 1 },
        },
      },
    },
    logger: { level: 'silent' },
  });
  app.register(rateLimitPlugin);
  app.register(authPlugin, { users, production: false });
  const { port } = await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
  // The boot-time dummy hash is made in the background; let it finish so it is not counted.
  await app.container.resolve(PasswordHasherToken).init();
});

afterAll(() => app?.stop());

async function login(email: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The body with its requestId blanked (the one member that differs per request), byte for byte. */
function withoutRequestId(text: string, headers: Headers): string {
  const id = headers.get('x-request-id') ?? '';
  expect(id).not.toBe('');
  expect(text).toContain(`"requestId":"${id}"`);
  return text.replace(`"requestId":"${id}"`, '"requestId":""');
}

describe('login: equal work and equal answers for every kind of bad credential', () => {
  it('verifies exactly one password hash and answers the same bytes for known, unknown, disabled and password-less accounts', async () => {
    const hasher = app.container.resolve(PasswordHasherToken);
    const verify = vi.spyOn(hasher, 'verify');
    const argonVerify = vi.spyOn(argon2, 'verify');
    const cases = [
      ['known user, wrong password', 'known@acme.test'],
      ['unknown user', 'nobody@acme.test'],
      ['disabled user', 'gone@acme.test'],
      ['provider-only user (no password hash)', 'sso@acme.test'],
    ] as const;
    const answers: { name: string; status: number; body: string; challenge: string | null }[] = [];
    try {
      for (const [name, email] of cases) {
        verify.mockClear();
        argonVerify.mockClear();
        const res = await login(email, 'wrong-password-123');
        expect(verify, name).toHaveBeenCalledTimes(1);
        expect(argonVerify, name).toHaveBeenCalledTimes(1);
        answers.push({
          name,
          status: res.status,
          body: withoutRequestId(res.text, res.headers),
          challenge: res.headers.get('www-authenticate'),
        });
      }
    } finally {
      verify.mockRestore();
      argonVerify.mockRestore();
    }
    const [first, ...rest] = answers;
    expect(first).toMatchObject({ status: 401, challenge: 'Bearer' });
    expect(JSON.parse(first!.body)).toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS' });
    for (const other of rest) {
      expect({ ...other, name: first!.name }, other.name).toEqual(first);
    }
  });

  it('the right password still signs in (the spies did not change behaviour)', async () => {
    const res = await login('known@acme.test', PASSWORD);
    expect(res.status).toBe(200);
  });
});
