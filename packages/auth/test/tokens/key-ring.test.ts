import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessTokenService } from '../../src/tokens/access-token-service.js';
import { KeyRing, type KeyRingConfig } from '../../src/tokens/key-ring.js';
import { AUDIENCE, HS_SECRET, ISSUER, rsaPair } from './support.js';

function bootError(config: KeyRingConfig): { code: string; message: string } {
  try {
    new KeyRing(config);
  } catch (err) {
    const e = err as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('KeyRing booted');
}

const hs = (kid: string, secret: string | Uint8Array, alg: 'HS256' | 'HS384' | 'HS512' = 'HS256') => ({
  kid,
  alg,
  secret,
});

describe('KeyRing at boot', () => {
  it('refuses a secret shorter than 32 bytes, naming the key and never the value', () => {
    const err = bootError({
      algorithms: ['HS256'],
      activeKid: 'k1',
      keys: [hs('k1', 'short-secret-31-bytes-long-xxxx')],
    });
    expect(err.code).toBe('AUTH_CONFIG_INVALID');
    expect(err.message).toContain('"k1"');
    expect(err.message).toContain('32 bytes');
    expect(err.message).not.toContain('short-secret');
  });

  it('counts bytes, not characters, and asks 48/64 bytes of HS384/HS512 (RFC 7518 §3.2)', () => {
    expect(() => new KeyRing({ algorithms: ['HS256'], activeKid: 'k', keys: [hs('k', 'é'.repeat(16))] })).not.toThrow();
    expect(
      bootError({ algorithms: ['HS384'], activeKid: 'k', keys: [hs('k', 'x'.repeat(40), 'HS384')] }).message,
    ).toContain('48 bytes');
    expect(
      bootError({ algorithms: ['HS512'], activeKid: 'k', keys: [hs('k', randomBytes(63), 'HS512')] }).message,
    ).toContain('64 bytes');
  });

  it.each([
    ['no allow-list', { algorithms: [], activeKid: 'k', keys: [hs('k', HS_SECRET)] }, 'allow-list is required'],
    ['none allowed', { algorithms: ['HS256', 'none'], activeKid: 'k', keys: [hs('k', HS_SECRET)] }, '"none"'],
    ['NONE allowed', { algorithms: ['NONE'], activeKid: 'k', keys: [hs('k', HS_SECRET)] }, '"none"'],
    ['an unsupported algorithm', { algorithms: ['PS256'], activeKid: 'k', keys: [hs('k', HS_SECRET)] }, 'PS256'],
    ['a key off the allow-list', { algorithms: ['RS256'], activeKid: 'k', keys: [hs('k', HS_SECRET)] }, 'allow-list'],
    ['an unknown active kid', { algorithms: ['HS256'], activeKid: 'x', keys: [hs('k', HS_SECRET)] }, 'activeKid'],
    [
      'a duplicate kid',
      { algorithms: ['HS256'], activeKid: 'k', keys: [hs('k', HS_SECRET), hs('k', HS_SECRET)] },
      'twice',
    ],
    ['a path-like kid', { algorithms: ['HS256'], activeKid: '../k', keys: [hs('../k', HS_SECRET)] }, 'must match'],
    [
      'a PEM on an HS key',
      { algorithms: ['HS256'], activeKid: 'k', keys: [{ ...hs('k', HS_SECRET), publicKey: 'x' }] },
      'secret',
    ],
  ] as const)('refuses %s', (_name, config, fragment) => {
    const err = bootError(config as unknown as KeyRingConfig);
    expect(err.code).toBe('AUTH_CONFIG_INVALID');
    expect(err.message).toContain(fragment);
  });

  it('refuses weak or mismatched asymmetric keys', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(
      bootError({
        algorithms: ['RS256'],
        activeKid: 'r',
        keys: [{ kid: 'r', alg: 'RS256', privateKey: String(small) }],
      }).message,
    ).toContain('2048 bits');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(
      bootError({ algorithms: ['ES256'], activeKid: 'e', keys: [{ kid: 'e', alg: 'ES256', privateKey: String(p384) }] })
        .message,
    ).toContain('P-256');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    const mismatch = { kid: 'r', alg: 'RS256' as const, privateKey: rsaPair().privateKey, publicKey: String(other) };
    expect(bootError({ algorithms: ['RS256'], activeKid: 'r', keys: [mismatch] }).message).toContain('do not match');
    expect(
      bootError({ algorithms: ['RS256'], activeKid: 'r', keys: [{ kid: 'r', alg: 'RS256', privateKey: 'nope' }] })
        .message,
    ).toContain('not a valid PEM');
    const verifyOnly = { kid: 'r', alg: 'RS256' as const, publicKey: rsaPair().publicKey };
    expect(bootError({ algorithms: ['RS256'], activeKid: 'r', keys: [verifyOnly] }).message).toContain(
      'no private key',
    );
  });

  it('holds KeyObjects, never strings', () => {
    const ring = new KeyRing({ algorithms: ['HS256'], activeKid: 'k', keys: [hs('k', HS_SECRET)] });
    expect(ring.active.signKey.type).toBe('secret');
    expect(ring.get('k')?.verifyKey.type).toBe('secret');
    expect(ring.get('k'.repeat(65))).toBeUndefined();
  });
});

describe('key rotation', () => {
  it('verifies the old kid during its grace period and not after, with HS256 → RS256 → ES256', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const now = () => clock;
    const es = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const all = ['HS256', 'RS256', 'ES256'];
    const service = (config: KeyRingConfig) =>
      new AccessTokenService({ keys: new KeyRing(config, { now }), issuer: ISSUER, audience: AUDIENCE, now });

    const before = service({ algorithms: all, activeKid: 'old', keys: [hs('old', HS_SECRET)] });
    const oldToken = before.sign({ subject: 'u', sessionId: 's' }).token;

    // Rotate: the new key signs; the old one verifies until its notAfter (normally rotation + 15 min +
    // 5 s; 2 min here, so the old token is still unexpired when its key stops).
    const graceEnd = clock + 120_000;
    const after = service({
      algorithms: all,
      activeKid: 'new',
      keys: [
        { ...hs('old', HS_SECRET), notAfter: new Date(graceEnd).toISOString() },
        { kid: 'new', alg: 'RS256', privateKey: rsaPair().privateKey },
        { kid: 'next', alg: 'ES256', privateKey: String(es) },
      ],
    });
    const newToken = after.sign({ subject: 'u', sessionId: 's' }).token;
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'RS256',
      kid: 'new',
    });

    clock += 60_000;
    await expect(after.verify(oldToken)).resolves.toMatchObject({ tokenId: expect.any(String) });
    await expect(after.verify(newToken)).resolves.toBeDefined();
    clock = graceEnd + 1;
    // Cached or not, the old key's tokens stop at notAfter.
    await expect(after.verify(oldToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
    after.clearCache();
    await expect(after.verify(oldToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });

    const es256 = service({
      algorithms: all,
      activeKid: 'next',
      keys: [{ kid: 'next', alg: 'ES256', privateKey: String(es) }],
    });
    const esToken = es256.sign({ subject: 'u', sessionId: 's' }).token;
    await expect(es256.verify(esToken)).resolves.toBeDefined();
  });

  it('refuses to boot with an active key past its notAfter', () => {
    const err = bootError({ algorithms: ['HS256'], activeKid: 'k', keys: [{ ...hs('k', HS_SECRET), notAfter: 0 }] });
    expect(err.message).toContain('past its notAfter');
  });
});
