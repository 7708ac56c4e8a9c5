import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { KeyRing } from '../../src/mfa/key-ring.js';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('hex');
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('KeyRing (AES-256-GCM, versioned keys)', () => {
  it('seals as v1:<iv>:<tag>:<ciphertext> without the plaintext, with a fresh IV each time', () => {
    const ring = new KeyRing({ current: 'v1', keys: { v1: K1 } });
    const a = ring.seal(SECRET, 'totp:u1');
    const b = ring.seal(SECRET, 'totp:u1');
    expect(a).toMatch(/^v1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(SECRET);
    expect(ring.open(a, 'totp:u1')).toBe(SECRET);
  });

  it('refuses tampered values and values moved to another owner', () => {
    const ring = new KeyRing({ current: 'v1', keys: { v1: K1 } });
    const sealed = ring.seal(SECRET, 'totp:u1');
    const [id, iv, tag, ct] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => ring.open([id, iv, tag, flipped.toString('base64url')].join(':'), 'totp:u1')).toThrow(
      /did not authenticate/,
    );
    expect(() => ring.open(sealed, 'totp:u2')).toThrow(/did not authenticate/);
    expect(() => ring.open('garbage', 'totp:u1')).toThrow(/malformed/);
  });

  it('rotates: old values open under a ring that still holds the old key, and ask to be re-sealed', () => {
    const old = new KeyRing({ current: 'v1', keys: { v1: K1 } });
    const sealed = old.seal(SECRET, 'totp:u1');
    const rotated = new KeyRing({ current: 'v2', keys: { v1: K1, v2: K2 } });
    expect(rotated.open(sealed, 'totp:u1')).toBe(SECRET);
    expect(rotated.needsReseal(sealed)).toBe(true);
    const resealed = rotated.seal(SECRET, 'totp:u1');
    expect(resealed.startsWith('v2:')).toBe(true);
    expect(rotated.needsReseal(resealed)).toBe(false);
  });

  it('fails for a key version it does not hold, and for a different key under the same version', () => {
    const sealed = new KeyRing({ current: 'v1', keys: { v1: K1 } }).seal(SECRET, 'totp:u1');
    const missing = new KeyRing({ current: 'v2', keys: { v2: K2 } });
    const err = (() => {
      try {
        missing.open(sealed, 'totp:u1');
      } catch (e) {
        return e;
      }
    })();
    expect(AuthErrors.AUTH_CONFIG_INVALID.is(err)).toBe(true);
    expect((err as Error).message).toMatch(/no MFA encryption key "v1"/);
    const wrong = new KeyRing({ current: 'v1', keys: { v1: randomBytes(32) } });
    expect(() => wrong.open(sealed, 'totp:u1')).toThrow(/did not authenticate/);
  });

  it('checks keys at construction: 32 bytes, a current key that exists', () => {
    expect(() => new KeyRing({ current: 'v1', keys: { v1: randomBytes(16).toString('base64') } })).toThrow(/32 bytes/);
    expect(() => new KeyRing({ current: 'v3', keys: { v1: K1 } })).toThrow(/current MFA key/);
    expect(() => new KeyRing({ current: 'a:b', keys: { 'a:b': K1 } })).toThrow(/key id/);
  });
});
