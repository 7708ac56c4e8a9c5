import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { MemoryRevocationStore } from '../../src/sessions/memory-revocation-store.js';
import { AccessTokenService } from '../../src/tokens/access-token-service.js';
import { VerifiedTokenCache } from '../../src/tokens/verified-token-cache.js';
import { AUDIENCE, accessTokens, HS_SECRET, ISSUER, mixedRing } from './support.js';

function clock(start = Date.parse('2030-01-01T00:00:00Z')) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

describe('AccessTokenService', () => {
  it('signs the required claims with the active kid and a 15 min lifetime', async () => {
    const tokens = accessTokens();
    const issued = tokens.sign({ subject: 'u1', sessionId: 's1', tenantId: 'acme', roles: ['admin'], amr: ['pwd'] });
    expect(issued.expiresIn).toBe(900);
    const decoded = jwt.decode(issued.token, { complete: true });
    expect(decoded?.header).toMatchObject({ alg: 'HS256', kid: 'hs1', typ: 'JWT' });
    expect(decoded?.payload).toMatchObject({
      sub: 'u1',
      sid: 's1',
      jti: issued.tokenId,
      typ: 'access',
      iss: ISSUER,
      aud: AUDIENCE,
      tid: 'acme',
      roles: ['admin'],
      amr: ['pwd'],
    });
    const verified = await tokens.verify(issued.token);
    expect(verified.principal).toMatchObject({
      id: 'u1',
      type: 'user',
      tenantId: 'acme',
      roles: ['admin'],
      sessionId: 's1',
    });
    expect(Object.isFrozen(verified.principal)).toBe(true);
    // Shared by every request presenting the token: nothing in it can be widened in place.
    expect(() => (verified.principal.roles as string[]).push('root')).toThrow(TypeError);
    expect(Object.isFrozen(verified.claims.amr)).toBe(true);
  });

  it('signs with RS256 when the RS key is active', async () => {
    const tokens = new AccessTokenService({ keys: mixedRing('rs1'), issuer: ISSUER, audience: AUDIENCE });
    const { token } = tokens.sign({ subject: 'u1', sessionId: 's1' });
    expect(jwt.decode(token, { complete: true })?.header).toMatchObject({ alg: 'RS256', kid: 'rs1' });
    await expect(tokens.verify(token)).resolves.toBeDefined();
  });

  it('refuses reserved names among extra claims', () => {
    const tokens = accessTokens();
    expect(() => tokens.sign({ subject: 'u', sessionId: 's', claims: { exp: 1 } })).toThrow(/reserved/);
    expect(() => tokens.sign({ subject: 'u', sessionId: 's', claims: { typ: 'access' } })).toThrow(/reserved/);
    const { token } = tokens.sign({ subject: 'u', sessionId: 's', claims: { org: 'o1' } });
    expect(jwt.decode(token)).toMatchObject({ org: 'o1' });
  });

  it.each([
    [{ clockToleranceSeconds: 61 }, 'clockToleranceSeconds'],
    [{ clockToleranceSeconds: -1 }, 'clockToleranceSeconds'],
    [{ ttlSeconds: 0 }, 'ttlSeconds'],
    [{ issuer: '' }, 'issuer'],
    [{ audience: '' }, 'audience'],
    [{ maxTokenBytes: 10 }, 'maxTokenBytes'],
  ])('refuses a bad option %o', (options, name) => {
    expect(() => accessTokens(options)).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID', message: expect.stringContaining(name) }),
    );
  });

  it('never trusts a token signed by jsonwebtoken with a string secret for another audience', async () => {
    const token = jwt.sign({ sub: 'u', sid: 's', jti: 'j', typ: 'access', iss: ISSUER, aud: 'other' }, HS_SECRET, {
      algorithm: 'HS256',
      keyid: 'hs1',
      expiresIn: 60,
    });
    await expect(accessTokens().verify(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
  });
});

describe('the verified-token cache', () => {
  it('still checks exp on a cache hit', async () => {
    const c = clock();
    const tokens = accessTokens({ now: c.now });
    const { token } = tokens.sign({ subject: 'u', sessionId: 's' });
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).toBe(first); // the hit returns the same frozen result
    c.ms += (900 + 4) * 1000;
    await expect(tokens.verify(token)).resolves.toBe(first); // within tolerance
    c.ms += 1000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
  });

  it('still checks the deny-list on a cache hit, by sid and by jti', async () => {
    const revocations = new MemoryRevocationStore();
    const tokens = accessTokens({ revocations });
    const a = tokens.sign({ subject: 'u', sessionId: 's1' });
    const b = tokens.sign({ subject: 'u', sessionId: 's2' });
    await tokens.verify(a.token);
    await tokens.verify(b.token);
    await revocations.revoke({ kind: 'session', id: 's1', expiresAt: Date.now() + 60_000 });
    await revocations.revoke({ kind: 'token', id: b.tokenId, expiresAt: Date.now() + 60_000 });
    await expect(tokens.verify(a.token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    await expect(tokens.verify(b.token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    const c = tokens.sign({ subject: 'u', sessionId: 's2' });
    await expect(tokens.verify(c.token)).resolves.toBeDefined();
  });

  it('awaits an asynchronous deny-list answer', async () => {
    const tokens = accessTokens({ revocations: { isRevoked: async (sid) => sid === 'gone' } });
    await expect(tokens.verify(tokens.sign({ subject: 'u', sessionId: 'gone' }).token)).rejects.toMatchObject({
      code: 'AUTH_TOKEN_REVOKED',
    });
    await expect(tokens.verify(tokens.sign({ subject: 'u', sessionId: 'here' }).token)).resolves.toBeDefined();
  });

  it('lets deny-list failures through as they are (fail closed, not "invalid token")', async () => {
    const down = new Error('redis down');
    const tokens = accessTokens({ revocations: { isRevoked: () => Promise.reject(down) } });
    await expect(tokens.verify(tokens.sign({ subject: 'u', sessionId: 's' }).token)).rejects.toBe(down);
  });

  it('is bounded, and evicts the oldest entry not used since its last turn (CLOCK)', () => {
    const cache = new VerifiedTokenCache(2);
    const entry = { verified: {} as never, exp: 0, keyNotAfter: 0 };
    cache.set('a', entry);
    cache.set('b', entry);
    cache.get('a');
    cache.set('c', entry);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(entry);
    expect(() => new VerifiedTokenCache(0)).toThrow();
    // Every entry hot: an insertion still evicts one (the bound holds), never loops.
    const hot = new VerifiedTokenCache(3);
    for (const t of ['x', 'y', 'z']) hot.set(t, entry);
    for (const t of ['x', 'y', 'z']) hot.get(t);
    hot.set('w', entry);
    expect(hot.size).toBe(3);
    expect(hot.get('w')).toBe(entry);
    expect(['x', 'y', 'z'].filter((t) => hot.get(t) !== undefined)).toHaveLength(2);
  });

  it('can be turned off', async () => {
    const c = clock();
    const tokens = accessTokens({ cacheSize: 0, now: c.now });
    const { token } = tokens.sign({ subject: 'u', sessionId: 's' });
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).not.toBe(first);
  });
});
