import { randomBytes } from 'node:crypto';
import { BruteForceGuard, EventBus } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { AuditLog, AuthAuditEvent } from '../../src/audit/audit-log.js';
import { MemoryOutbox } from '../../src/mailer/memory-outbox.js';
import { KeyRing } from '../../src/mfa/key-ring.js';
import { MfaChallenge } from '../../src/mfa/mfa-challenge.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { PasswordLogin } from '../../src/passwords/password-login.js';
import { MemoryResetTokenStore } from '../../src/reset/memory-reset-token-store.js';
import { PasswordReset } from '../../src/reset/password-reset.js';
import { hashResetToken } from '../../src/reset/reset-link.js';
import { mfaFixture } from '../mfa/mfa-fixture.js';
import { FakeUserStore, PASSWORD, TEST_ARGON2 } from '../passwords/fake-user-store.js';
import { FakeSessionRevoker } from '../reset/fake-session-revoker.js';
import { captureLogger } from './log-capture.js';

/** Every string anywhere in a value (keys included), so short codes are matched per value, not across `time` or `pid`. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

describe('no secret reaches an audit event or a log line', () => {
  it('across password login, reset, TOTP and the MFA challenge', async () => {
    const { logger, raw, lines } = captureLogger();
    const bus = new EventBus();
    const emitted: AuditEvent[] = [];
    bus.on(AuthAuditEvent, (e) => {
      emitted.push(e);
    });
    const audit = new AuditLog({ logger, bus });
    const secrets: string[] = [];
    const codes: string[] = [];

    // Passwords: success, wrong, unknown, rate-limited, rehash on login.
    const users = new FakeUserStore();
    const oldHasher = new PasswordHasher({ ...TEST_ARGON2, timeCost: 2 });
    const hasher = await PasswordHasher.create(TEST_ARGON2);
    const alice = await users.create({ email: 'alice@acme.test', passwordHash: await oldHasher.hash(PASSWORD) });
    secrets.push(PASSWORD, 'wrong-password-123', users.users.get(alice.id)?.passwordHash ?? '');
    const login = new PasswordLogin({
      users,
      hasher,
      audit,
      logger,
      guard: new BruteForceGuard({ maxFailuresPerAccount: 3 }),
    });
    await login.login('alice@acme.test', PASSWORD, undefined, { ip: '198.51.100.1' });
    secrets.push(users.users.get(alice.id)?.passwordHash ?? '');
    for (let i = 0; i < 4; i++) {
      await login.login('alice@acme.test', 'wrong-password-123', undefined, { ip: '198.51.100.1' }).catch(() => 0);
    }
    await login.login('nobody@acme.test', PASSWORD, undefined, { ip: '198.51.100.2' }).catch(() => 0);

    // Reset: request (known, unknown), reset, reuse, a weak password, and a failing mailer (logged).
    const outbox = new MemoryOutbox();
    const resetOptions = {
      users,
      hasher,
      store: new MemoryResetTokenStore(),
      sessions: new FakeSessionRevoker(),
      origin: 'https://app.acme.test',
      audit,
      logger,
    };
    const reset = new PasswordReset({ ...resetOptions, mailer: outbox });
    await reset.request('alice@acme.test');
    await reset.request('nobody@acme.test');
    await reset.settled();
    const token = /#token=([\w-]{43})/.exec(outbox.messages()[0]?.text ?? '')?.[1] ?? '';
    expect(token).toHaveLength(43);
    const newPassword = 'a-brand-new-long-password';
    secrets.push(token, hashResetToken(token), newPassword);
    await reset.reset(token, 'weak').catch(() => 0);
    await reset.reset(token, newPassword);
    secrets.push(users.users.get(alice.id)?.passwordHash ?? '');
    await reset.reset(token, newPassword).catch(() => 0);
    const failing = new PasswordReset({ ...resetOptions, mailer: { send: () => Promise.reject(new Error('down')) } });
    await failing.request('alice@acme.test');
    await failing.settled();

    // TOTP: enroll, wrong and right confirmation, verify, recovery code, lock, regenerate, disable.
    const keyMaterial = randomBytes(32);
    const fx = mfaFixture({ audit, keys: new KeyRing({ current: 'v1', keys: { v1: keyMaterial } }), maxFailures: 3 });
    const { secret, uri } = await fx.mfa.enroll(alice.id, alice.email);
    secrets.push(secret, uri, keyMaterial.toString('base64'), keyMaterial.toString('hex'));
    secrets.push((await fx.store.get(alice.id))?.secret ?? '');
    await fx.mfa.confirmEnrollment(alice.id, '000000').catch(() => 0);
    const enrollCode = await fx.code(secret);
    codes.push(enrollCode);
    const { recoveryCodes } = await fx.mfa.confirmEnrollment(alice.id, enrollCode);
    secrets.push(...recoveryCodes, ...recoveryCodes.map((c) => c.replace(/-/g, '')));
    secrets.push(...((await fx.store.get(alice.id))?.recoveryCodes ?? []));
    fx.state.now += 30_000;
    const verifyCode = await fx.code(secret);
    codes.push(verifyCode);
    await fx.mfa.verify(alice.id, verifyCode);
    await fx.mfa.verify(alice.id, verifyCode).catch(() => 0); // replay
    await fx.mfa.verify(alice.id, recoveryCodes[0]);

    // The second step of login.
    const challenges = new MfaChallenge({ store: fx.store, mfa: fx.mfa, audit, now: () => fx.state.now });
    const { challengeToken } = await challenges.issue(alice.id);
    secrets.push(challengeToken);
    fx.state.now += 30_000;
    await challenges.complete(challengeToken, '111111').catch(() => 0);
    await challenges.complete(challengeToken, recoveryCodes[1]);
    await challenges.complete(challengeToken, recoveryCodes[2]).catch(() => 0);
    await challenges.complete('not-a-token', '123456').catch(() => 0);

    // Lock, then time passes; regenerate and disable.
    for (let i = 0; i < 3; i++) await fx.mfa.verify(alice.id, '222222').catch(() => 0);
    await fx.mfa.verify(alice.id, '333333').catch(() => 0);
    fx.state.now += 16 * 60_000;
    const regenCode = await fx.code(secret);
    codes.push(regenCode);
    const regenerated = await fx.mfa.regenerateRecoveryCodes(alice.id, regenCode);
    secrets.push(...regenerated.recoveryCodes);
    fx.state.now += 30_000;
    const disableCode = await fx.code(secret);
    codes.push(disableCode);
    await fx.mfa.disable(alice.id, disableCode);
    await new Promise((r) => setImmediate(r));

    // The flows produced a real trail.
    const types = new Set(emitted.map((e) => e.type));
    for (const type of [
      'login.succeeded',
      'login.failed',
      'password.reset_requested',
      'password.reset',
      'mfa.enrolled',
      'mfa.enabled',
      'mfa.failed',
      'mfa.recovery_code_used',
      'mfa.recovery_codes_regenerated',
      'mfa.disabled',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(lines.filter((l) => l.audit !== undefined)).toHaveLength(emitted.length);
    expect(lines.some((l) => l.msg === 'password reset: storing the token or sending the mail failed')).toBe(true);
    // The services never even tried: the guard in AuditLog had nothing to drop.
    expect(lines.filter((l) => l.msg === 'audit: dropped secret-looking values')).toEqual([]);

    const text = `${raw.join('\n')}\n${JSON.stringify(emitted)}`;
    for (const s of secrets) {
      expect(s.length).toBeGreaterThanOrEqual(12);
      expect(text.includes(s), `leaked: ${s.slice(0, 8)}…`).toBe(false);
    }
    const values = [...strings(emitted), ...strings(lines)];
    for (const c of ['000000', '111111', '222222', '333333', ...codes]) {
      const re = new RegExp(`(?<!\\d)${c}(?!\\d)`);
      expect(
        values.filter((v) => re.test(v)),
        `code ${c}`,
      ).toEqual([]);
    }
    // No field anywhere is named like a secret.
    for (const event of emitted) {
      for (const key of Object.keys(event.data ?? {})) {
        expect(key).not.toMatch(/password|secret|token|code|hash/i);
      }
    }
  });
});
