import { describe, expect, it } from 'vitest';
import { hashResetToken, newResetToken } from '../../src/reset/reset-link.js';
import type { ResetTokenStore } from '../../src/reset/reset-token-store.js';

/** The cases every `ResetTokenStore` passes (memory and Redis). */
export function runResetTokenStoreContract(name: string, makeStore: () => ResetTokenStore): void {
  describe(`ResetTokenStore contract: ${name}`, () => {
    const fresh = () => hashResetToken(newResetToken());
    const record = (userId: string) => ({ userId, expiresAt: Date.now() + 60_000 });

    it('take returns the record once', async () => {
      const store = makeStore();
      const hash = fresh();
      const stored = record('u-1');
      await store.put(hash, stored, 60_000);
      expect(await store.take(hash)).toEqual(stored);
      expect(await store.take(hash)).toBeUndefined();
    });

    it('an unknown hash is undefined', async () => {
      expect(await makeStore().take(fresh())).toBeUndefined();
    });

    it('a new put for the same user voids the older token; other users are untouched', async () => {
      const store = makeStore();
      const [first, second, other] = [fresh(), fresh(), fresh()];
      await store.put(first, record('u-2'), 60_000);
      await store.put(other, record('u-3'), 60_000);
      await store.put(second, record('u-2'), 60_000);
      expect(await store.take(first)).toBeUndefined();
      expect(await store.take(second)).toMatchObject({ userId: 'u-2' });
      expect(await store.take(other)).toMatchObject({ userId: 'u-3' });
    });

    it('of 10 concurrent takes of one token exactly one gets it', async () => {
      const store = makeStore();
      const hash = fresh();
      await store.put(hash, record('u-4'), 60_000);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.take(hash)));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('forgets tokens after their ttl', async () => {
      const store = makeStore();
      const hash = fresh();
      await store.put(hash, record('u-5'), 50);
      await new Promise((r) => setTimeout(r, 120));
      expect(await store.take(hash)).toBeUndefined();
    });

    it('voidForUser voids the current token', async () => {
      const store = makeStore();
      const hash = fresh();
      await store.put(hash, record('u-6'), 60_000);
      await store.voidForUser('u-6');
      expect(await store.take(hash)).toBeUndefined();
      await store.voidForUser('nobody');
    });
  });
}
