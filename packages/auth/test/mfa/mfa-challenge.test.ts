import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { MfaChallenge } from '../../src/mfa/mfa-challenge.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { MemoryResetTokenStore } from '../../src/reset/memory-reset-token-store.js';
import { PasswordReset } from '../../src/reset/password-reset.js';
import { FakeUserStore, TEST_ARGON2 } from '../passwords/fake-user-store.js';
import { FakeSessionRevoker } from '../reset/fake-session-revoker.js';
import { mfaFixture } from './mfa-fixture.js';

function setup(options: { maxAttempts?: number } = {}) {
  const fixture = mfaFixture({ maxFailures: 100 });
  const challenges = new MfaChallenge({
    store: fixture.store,
    mfa: fixture.mfa,
    audit: { record: (e) => fixture.events.push(e) },
    now: () => fixture.state.now,
    ...options,
  });
  return { ...fixture, challenges };
}

describe('MfaChallenge', () => {
  it('completes to the session amr: the first factor it was issued for, then otp', async () => {
    const { challenges, enable, code, state } = setup();
    const { secret } = await enable('u-1');
    const afterPassword = await challenges.issue('u-1');
    expect(await challenges.completeSignIn(afterPassword.challengeToken, await code(secret))).toEqual({
      userId: 'u-1',
      amr: ['pwd', 'otp'],
    });
    state.now += 30_000; // the next time step: a TOTP code is accepted once
    const afterOAuth = await challenges.issue('u-1', 'oauth');
    expect(await challenges.completeSignIn(afterOAuth.challengeToken, await code(secret))).toEqual({
      userId: 'u-1',
      amr: ['oauth', 'otp'],
    });
  });

  it('issues an opaque short-lived token that completes to the user id with a right code', async () => {
    const { challenges, enable, code, events } = setup();
    const { secret } = await enable('u-1');
    const issued = await challenges.issue('u-1');
    expect(issued.challengeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresIn).toBe(300);
    expect(await challenges.complete(issued.challengeToken, await code(secret))).toBe('u-1');
    expect(events.at(-1)).toMatchObject({
      type: 'login.succeeded',
      actorId: 'u-1',
      data: { method: 'mfa', factor: 'totp' },
    });
  });

  it('is single use', async () => {
    const { challenges, enable, code, state } = setup();
    const { secret } = await enable('u-1');
    const { challengeToken } = await challenges.issue('u-1');
    await challenges.complete(challengeToken, await code(secret));
    state.now += 30_000;
    const again = await challenges.complete(challengeToken, await code(secret)).catch((e: unknown) => e);
    expect(AuthErrors.AUTH_MFA_CHALLENGE_INVALID.is(again)).toBe(true);
    expect(again).toMatchObject({ status: 401 });
  });

  it('of concurrent completions with one token and a right code, exactly one succeeds', async () => {
    const { challenges, enable, code } = setup();
    const { secret } = await enable('u-1');
    const { challengeToken } = await challenges.issue('u-1');
    const current = await code(secret);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => challenges.complete(challengeToken, current)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('survives a wrong code up to maxAttempts, then the password step must be repeated', async () => {
    const { challenges, enable, code } = setup({ maxAttempts: 3 });
    const { secret } = await enable('u-1');
    const { challengeToken } = await challenges.issue('u-1');
    await expect(challenges.complete(challengeToken, '000000')).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(challenges.complete(challengeToken, '000001')).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(challenges.complete(challengeToken, '000002')).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(challenges.complete(challengeToken, await code(secret))).rejects.toMatchObject({
      code: 'AUTH_MFA_CHALLENGE_INVALID',
    });
  });

  it('expires after 5 minutes', async () => {
    const { challenges, enable, code, state } = setup();
    const { secret } = await enable('u-1');
    const { challengeToken } = await challenges.issue('u-1');
    state.now += 5 * 60_000;
    await expect(challenges.complete(challengeToken, await code(secret))).rejects.toMatchObject({
      code: 'AUTH_MFA_CHALLENGE_INVALID',
    });
  });

  it('completes for the user it was issued to only: it is bound to that user id', async () => {
    const { challenges, enable, code } = setup();
    await enable('u-1');
    const bob = await enable('u-2');
    const { challengeToken } = await challenges.issue('u-1');
    // Bob's valid code does not complete Alice's challenge.
    await expect(challenges.complete(challengeToken, await code(bob.secret))).rejects.toMatchObject({
      code: 'AUTH_MFA_INVALID',
    });
  });

  it('is useless anywhere else: not a JWT, not a reset token, not a code; garbage is refused', async () => {
    const { challenges, enable, mfa } = setup();
    await enable('u-1');
    const { challengeToken } = await challenges.issue('u-1');
    expect(challengeToken.split('.')).toHaveLength(1);
    const users = new FakeUserStore();
    const reset = new PasswordReset({
      users,
      hasher: new PasswordHasher(TEST_ARGON2),
      store: new MemoryResetTokenStore(),
      mailer: { send: async () => undefined },
      sessions: new FakeSessionRevoker(),
      origin: 'https://app.acme.test',
    });
    await expect(reset.reset(challengeToken, 'a-brand-new-long-password')).rejects.toMatchObject({
      code: 'AUTH_RESET_INVALID',
    });
    await expect(mfa.verify('u-1', challengeToken)).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    for (const bad of [undefined, '', 'x', `${challengeToken}x`, 42]) {
      await expect(challenges.complete(bad, '123456')).rejects.toMatchObject({ code: 'AUTH_MFA_CHALLENGE_INVALID' });
    }
  });

  it('accepts a recovery code as the second factor', async () => {
    const { challenges, enable } = setup();
    const { recoveryCodes } = await enable('u-1');
    const { challengeToken } = await challenges.issue('u-1');
    expect(await challenges.complete(challengeToken, recoveryCodes[0])).toBe('u-1');
  });
});
