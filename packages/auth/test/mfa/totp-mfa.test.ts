import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { KeyRing } from '../../src/mfa/key-ring.js';
import { TotpMfa } from '../../src/mfa/totp-mfa.js';
import { mfaFixture } from './mfa-fixture.js';

describe('TotpMfa enrollment', () => {
  it('returns a base32 secret and an otpauth URI with issuer and account; MFA is not on yet', async () => {
    const { mfa, events } = mfaFixture();
    const { secret, uri } = await mfa.enroll('u-1', 'alice@acme.test');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Acme:alice@acme.test');
    expect(url.searchParams.get('issuer')).toBe('Acme');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(await mfa.isEnabled('u-1')).toBe(false);
    expect(await mfa.status('u-1')).toEqual({ enabled: false, pending: true, recoveryCodesLeft: 0 });
    expect(events.map((e) => e.type)).toEqual(['mfa.enrolled']);
  });

  it('a valid code enables it and returns 10 high-entropy recovery codes, shown once', async () => {
    const { mfa, code, events } = mfaFixture();
    const { secret } = await mfa.enroll('u-1', 'alice@acme.test');
    await expect(mfa.confirmEnrollment('u-1', '000000')).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    const { recoveryCodes } = await mfa.confirmEnrollment('u-1', await code(secret));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(await mfa.isEnabled('u-1')).toBe(true);
    expect(await mfa.status('u-1')).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 });
    expect(events.map((e) => e.type)).toEqual(['mfa.enrolled', 'mfa.failed', 'mfa.enabled']);
  });

  it('refuses to enroll again while on (409), and confirming without an enrollment (409)', async () => {
    const { mfa, enable, state, code } = mfaFixture();
    await expect(mfa.confirmEnrollment('u-1', '123456')).rejects.toMatchObject({ code: 'AUTH_MFA_NOT_ENROLLED' });
    await enable('u-1');
    await expect(mfa.enroll('u-1', 'a@acme.test')).rejects.toMatchObject({ code: 'AUTH_MFA_ALREADY_ENABLED' });
    // A pending enrollment expires (15 minutes by default).
    const { secret } = await mfa.enroll('u-2', 'b@acme.test');
    state.now += 15 * 60_000;
    await expect(mfa.confirmEnrollment('u-2', await code(secret))).rejects.toMatchObject({
      code: 'AUTH_MFA_NOT_ENROLLED',
    });
  });
});

describe('TotpMfa.verify', () => {
  it('accepts the current code and codes one step either side, not two', async () => {
    for (const [offset, ok] of [
      [0, true],
      [-30_000, true],
      [30_000, true],
      [-60_000, false],
      [60_000, false],
    ] as const) {
      const { mfa, code, enable, state } = mfaFixture();
      const { secret } = await enable();
      state.now += 120_000; // well past the enrollment code's step, which is used up
      const attempt = mfa.verify('u-1', await code(secret, offset));
      if (ok) await expect(attempt, `offset ${offset}`).resolves.toEqual({ method: 'totp' });
      else await expect(attempt, `offset ${offset}`).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    }
  });

  it('refuses a replayed code, and earlier steps once a later one was used', async () => {
    const { mfa, code, enable } = mfaFixture();
    const { secret } = await enable();
    const current = await code(secret);
    await expect(mfa.verify('u-1', current)).resolves.toEqual({ method: 'totp' });
    await expect(mfa.verify('u-1', current)).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(mfa.verify('u-1', await code(secret, -30_000))).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(mfa.verify('u-1', await code(secret, 30_000))).resolves.toEqual({ method: 'totp' });
  });

  it('of concurrent verifications with one code, exactly one succeeds', async () => {
    const { mfa, code, enable } = mfaFixture({ maxFailures: 100 });
    const { secret } = await enable();
    const current = await code(secret);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => mfa.verify('u-1', current)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('recovery codes work once each, in any case and grouping, and are audited with the count left', async () => {
    const { mfa, enable, events } = mfaFixture();
    const { recoveryCodes } = await enable();
    const [first, second] = recoveryCodes as [string, string];
    await expect(mfa.verify('u-1', first)).resolves.toEqual({ method: 'recovery_code' });
    await expect(mfa.verify('u-1', first)).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(mfa.verify('u-1', second.toLowerCase().replace(/-/g, ' '))).resolves.toEqual({
      method: 'recovery_code',
    });
    expect(await mfa.status('u-1')).toMatchObject({ recoveryCodesLeft: 8 });
    expect(events.filter((e) => e.type === 'mfa.recovery_code_used').map((e) => e.data)).toEqual([
      { remaining: 9 },
      { remaining: 8 },
    ]);
  });

  it('stores recovery codes hashed', async () => {
    const { store, enable } = mfaFixture();
    const { recoveryCodes } = await enable();
    const stored = JSON.stringify(await store.get('u-1'));
    for (const c of recoveryCodes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace(/-/g, ''));
    }
    expect((await store.get('u-1'))?.recoveryCodes.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('locks after 5 wrong codes: 429 RATE_LIMITED with Retry-After, even for a right code, until the lock ends', async () => {
    const { mfa, code, enable, state, events } = mfaFixture();
    const { secret } = await enable();
    for (let i = 0; i < 5; i++) {
      await expect(mfa.verify('u-1', '000000')).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID', status: 401 });
    }
    const locked = await mfa.verify('u-1', await code(secret)).catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', status: 429, headers: { 'Retry-After': '900' } });
    expect(events.filter((e) => e.type === 'mfa.failed').at(-1)).toMatchObject({ reason: 'locked' });
    state.now += 15 * 60_000;
    await expect(mfa.verify('u-1', await code(secret))).resolves.toEqual({ method: 'totp' });
  });

  it('garbage codes are failures, not crashes', async () => {
    const { mfa, enable } = mfaFixture({ maxFailures: 100 });
    await enable();
    for (const bad of [undefined, 123456, '', '12345', '1234567', 'abcdef', 'x'.repeat(10_000), { code: 1 }]) {
      await expect(mfa.verify('u-1', bad)).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    }
  });

  it('is AUTH_MFA_NOT_ENROLLED for a user without MFA', async () => {
    const { mfa } = mfaFixture();
    await expect(mfa.verify('nobody', '123456')).rejects.toMatchObject({ code: 'AUTH_MFA_NOT_ENROLLED' });
  });
});

describe('TotpMfa secrets at rest', () => {
  it('the stored record holds the secret sealed, never in clear', async () => {
    const { store, enable } = mfaFixture();
    const { secret } = await enable();
    const record = await store.get('u-1');
    expect(record?.secret).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(JSON.stringify(record)).not.toContain(secret);
  });

  it('a key ring without the key version the secret was sealed with fails (500 AUTH_CONFIG_INVALID)', async () => {
    const { store, enable, code, state } = mfaFixture();
    const { secret } = await enable();
    const otherRing = new KeyRing({ current: 'v2', keys: { v2: randomBytes(32) } });
    const other = new TotpMfa({ store, keys: otherRing, issuer: 'Acme', now: () => state.now });
    const err = await other.verify('u-1', await code(secret)).catch((e: unknown) => e);
    expect(AuthErrors.AUTH_CONFIG_INVALID.is(err)).toBe(true);
    expect(err).toMatchObject({ status: 500, expose: false });
  });

  it('after rotation, old secrets still verify and are re-sealed under the current key', async () => {
    const { store, enable, code, state, keyV1 } = mfaFixture();
    const { secret } = await enable();
    const rotated = new KeyRing({ current: 'v2', keys: { v1: keyV1, v2: randomBytes(32) } });
    const mfa = new TotpMfa({ store, keys: rotated, issuer: 'Acme', now: () => state.now });
    await expect(mfa.verify('u-1', await code(secret))).resolves.toEqual({ method: 'totp' });
    const record = await store.get('u-1');
    expect(record?.secret.startsWith('v2:')).toBe(true);
    expect(rotated.open(record?.secret ?? '', 'totp:u-1')).toBe(secret);
    expect(record?.lastTimeStep).toBeDefined();
  });
});

describe('TotpMfa disable and regeneration', () => {
  it('disable needs a valid code or recovery code', async () => {
    const { mfa, code, enable, events } = mfaFixture();
    const { secret } = await enable();
    await expect(mfa.disable('u-1', '000000')).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    expect(await mfa.isEnabled('u-1')).toBe(true);
    await mfa.disable('u-1', await code(secret));
    expect(await mfa.isEnabled('u-1')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'mfa.disabled', data: { method: 'totp' } });

    const again = await enable('u-2');
    await mfa.disable('u-2', again.recoveryCodes[3]);
    expect(await mfa.isEnabled('u-2')).toBe(false);
  });

  it('regenerating recovery codes voids the old ones', async () => {
    const { mfa, code, enable } = mfaFixture();
    const { secret, recoveryCodes: old } = await enable();
    const { recoveryCodes } = await mfa.regenerateRecoveryCodes('u-1', await code(secret));
    expect(recoveryCodes).toHaveLength(10);
    await expect(mfa.verify('u-1', old[0])).rejects.toMatchObject({ code: 'AUTH_MFA_INVALID' });
    await expect(mfa.verify('u-1', recoveryCodes[0])).resolves.toEqual({ method: 'recovery_code' });
  });
});
