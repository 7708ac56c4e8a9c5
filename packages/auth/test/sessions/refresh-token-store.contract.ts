import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RefreshTokenRecord, RefreshTokenStore } from '../../src/sessions/refresh-token-store.js';
import { newRefreshToken } from '../../src/tokens/refresh-token.js';

function record(over: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  const { id, secretHash } = newRefreshToken();
  const now = Date.now();
  return {
    id,
    secretHash,
    sessionId: randomBytes(9).toString('base64url'),
    userId: 'u1',
    createdAt: now,
    expiresAt: now + 60_000,
    ...over,
  };
}

/** The behaviour every `RefreshTokenStore` must have; run against memory and Redis. */
export function refreshTokenStoreContract(name: string, make: () => RefreshTokenStore): void {
  describe(`RefreshTokenStore contract: ${name}`, () => {
    it('stores and finds a record', async () => {
      const store = make();
      const r = record();
      await store.save(r);
      expect(await store.find(r.id)).toEqual(r);
      expect(await store.find(newRefreshToken().id)).toBeUndefined();
    });

    it('rotates once, then reports already-rotated, keeping the record for reuse detection', async () => {
      const store = make();
      const r = record();
      await store.save(r);
      const at = Date.now();
      expect(await store.markRotated(r.id, 'next-id', at)).toBe('rotated');
      expect(await store.markRotated(r.id, 'other-id', at + 1)).toBe('already-rotated');
      expect(await store.find(r.id)).toEqual({ ...r, rotatedAt: at, replacedBy: 'next-id' });
      expect(await store.markRotated(newRefreshToken().id, 'x', at)).toBe('missing');
    });

    it('lets exactly one of 20 concurrent rotations win', async () => {
      const store = make();
      const r = record();
      await store.save(r);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.markRotated(r.id, `next-${i}`, Date.now())),
      );
      expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already-rotated')).toHaveLength(19);
      const winner = outcomes.indexOf('rotated');
      expect((await store.find(r.id))?.replacedBy).toBe(`next-${winner}`);
    });

    it('deletes', async () => {
      const store = make();
      const r = record();
      await store.save(r);
      await store.delete(r.id);
      expect(await store.find(r.id)).toBeUndefined();
      expect(await store.markRotated(r.id, 'x', Date.now())).toBe('missing');
    });

    it('forgets a token at its expiresAt', async () => {
      const store = make();
      const r = record({ expiresAt: Date.now() + 150 });
      await store.save(r);
      await sleep(250);
      expect(await store.find(r.id)).toBeUndefined();
      expect(await store.markRotated(r.id, 'x', Date.now())).toBe('missing');
    });
  });
}
