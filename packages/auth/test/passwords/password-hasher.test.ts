import { scryptSync } from 'node:crypto';
import argon2 from 'argon2';
import { describe, expect, it, vi } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { OWASP_ARGON2_PARAMETERS, PasswordHasher } from '../../src/passwords/password-hasher.js';
import { PASSWORD, TEST_ARGON2 } from './fake-user-store.js';

const hasher = new PasswordHasher(TEST_ARGON2);

describe('PasswordHasher', () => {
  it('defaults to OWASP Argon2id parameters (m=19 MiB, t=2, p=1) and a 12-character minimum', () => {
    const defaults = new PasswordHasher();
    expect(defaults.parameters).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(OWASP_ARGON2_PARAMETERS.memoryCost).toBe(19 * 1024);
    expect(defaults.policy).toEqual({ minLength: 12, maxBytes: 1024 });
  });

  it('hashes into an Argon2id PHC string with a fresh salt, and verifies it', async () => {
    const a = await hasher.hash(PASSWORD);
    const b = await hasher.hash(PASSWORD);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, PASSWORD)).toEqual({ ok: true, needsRehash: false });
    expect(await hasher.verify(a, `${PASSWORD}!`)).toEqual({ ok: false, needsRehash: false });
  });

  it('normalises Unicode (NFKC): composed and decomposed accents are the same password', async () => {
    const composed = 'crème-brûlée-password';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const phc = await hasher.hash(composed);
    expect((await hasher.verify(phc, decomposed)).ok).toBe(true);
  });

  it('says needsRehash when the parameters changed, and only for the right password', async () => {
    const old = await new PasswordHasher({ ...TEST_ARGON2, timeCost: 2 }).hash(PASSWORD);
    expect(await hasher.verify(old, PASSWORD)).toEqual({ ok: true, needsRehash: true });
    expect(await hasher.verify(old, 'wrong-password-123')).toEqual({ ok: false, needsRehash: false });
    const upgraded = await hasher.rehash(PASSWORD);
    expect(await hasher.verify(upgraded, PASSWORD)).toEqual({ ok: true, needsRehash: false });
  });

  it('verifies imported scrypt PHC hashes and asks to upgrade them', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync(PASSWORD, salt, 32, { N: 1024, r: 8, p: 1 });
    const phc = `$scrypt$ln=10,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`;
    expect(await hasher.verify(phc, PASSWORD)).toEqual({ ok: true, needsRehash: true });
    expect((await hasher.verify(phc, 'not-the-password')).ok).toBe(false);
    // Parameters out of bounds are refused without running scrypt with them.
    expect((await hasher.verify(phc.replace('ln=10', 'ln=30'), PASSWORD)).ok).toBe(false);
  });

  it('refuses weak new passwords with a clear 422 AUTH_PASSWORD_WEAK before hashing', async () => {
    const short = await hasher.hash('short-pw').catch((e: unknown) => e);
    expect(AuthErrors.AUTH_PASSWORD_WEAK.is(short)).toBe(true);
    expect(short).toMatchObject({ status: 422, details: { reason: 'too_short', minLength: 12 } });
    const long = await hasher.hash('x'.repeat(1025)).catch((e: unknown) => e);
    expect(long).toMatchObject({ code: 'AUTH_PASSWORD_WEAK', details: { reason: 'too_long', maxBytes: 1024 } });
    // The cap is in UTF-8 bytes: 400 three-byte characters are 1200 bytes.
    const wide = await hasher.hash('€'.repeat(400)).catch((e: unknown) => e);
    expect(wide).toMatchObject({ details: { reason: 'too_long' } });
    const notString = await hasher.hash(12345678901234).catch((e: unknown) => e);
    expect(notString).toMatchObject({ details: { reason: 'not_a_string' } });
  });

  it('caps verification input: a megabyte password is simply wrong, and never reaches Argon2', async () => {
    const phc = await hasher.hash(PASSWORD);
    const huge = 'a'.repeat(1024 * 1024);
    const argonVerify = vi.spyOn(argon2, 'verify');
    try {
      expect(await hasher.verify(phc, huge)).toEqual({ ok: false, needsRehash: false });
      expect(await hasher.verify(phc, undefined)).toEqual({ ok: false, needsRehash: false });
      expect(argonVerify).not.toHaveBeenCalled();
    } finally {
      argonVerify.mockRestore();
    }
  });

  it('verifyOrDummy without a hash fails after doing a real Argon2 verification of the same cost', async () => {
    // Counted, not timed: the unknown-user path runs exactly one Argon2 verification, against a
    // dummy hash made with the hasher's own parameters (so it costs what a real one costs).
    const slow = await PasswordHasher.create({ memoryCost: 8192, timeCost: 2, parallelism: 1 });
    const phc = await slow.hash(PASSWORD);
    const argonVerify = vi.spyOn(argon2, 'verify');
    try {
      expect(await slow.verifyOrDummy(phc, 'wrong-password-123')).toEqual({ ok: false, needsRehash: false });
      expect(await slow.verifyOrDummy(undefined, PASSWORD)).toEqual({ ok: false, needsRehash: false });
      expect(argonVerify).toHaveBeenCalledTimes(2);
      const [known, unknown] = argonVerify.mock.calls.map(([hash]) => String(hash));
      const params = (h: string | undefined) => h?.split('$')[3];
      expect(params(unknown)).toBe(params(known));
      expect(unknown).not.toBe(known);
    } finally {
      argonVerify.mockRestore();
    }
  });

  it('treats an unreadable stored hash as a wrong password, not a crash', async () => {
    expect(await hasher.verify('not-a-phc-string', PASSWORD)).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify('$argon2id$v=19$garbage', PASSWORD)).toEqual({ ok: false, needsRehash: false });
  });

  it('refuses impossible parameters at construction', () => {
    expect(() => new PasswordHasher({ memoryCost: 10 })).toThrow(/memoryCost/);
    expect(() => new PasswordHasher({ minLength: 0 })).toThrow(/minLength/);
  });
});
