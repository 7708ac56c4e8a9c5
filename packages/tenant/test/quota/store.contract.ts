import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { QuotaStore } from '../../src/index.js';

/**
 * The behaviour every quota store must have, run against each implementation (memory, Redis) by
 * `stores.test.ts`. `makeStore` is called once per case; cases use fresh keys.
 */
export function runQuotaStoreContract(name: string, makeStore: () => QuotaStore | Promise<QuotaStore>): void {
  const fresh = () => `t:contract:quota:${randomUUID().slice(0, 8)}`;

  describe(`quota store contract: ${name}`, () => {
    it('reserves while the amount fits, refuses without counting when it does not', async () => {
      const store = await makeStore();
      const key = fresh();
      expect(await store.reserve(key, 3, 5)).toEqual({ admitted: true, used: 3 });
      expect(await store.reserve(key, 3, 5)).toEqual({ admitted: false, used: 3 });
      expect(await store.reserve(key, 2, 5)).toEqual({ admitted: true, used: 5 });
      expect(await store.reserve(key, 1, 5)).toEqual({ admitted: false, used: 5 });
      expect(await store.usage(key)).toBe(5);
    });

    it('treats a negative limit as no limit, and a limit of 0 as none allowed', async () => {
      const store = await makeStore();
      const key = fresh();
      expect(await store.reserve(key, 1_000_000, -1)).toEqual({ admitted: true, used: 1_000_000 });
      expect(await store.reserve(fresh(), 1, 0)).toEqual({ admitted: false, used: 0 });
      expect(await store.reserve(fresh(), 0, 0)).toEqual({ admitted: true, used: 0 });
    });

    it('answers 0 for unknown keys', async () => {
      const store = await makeStore();
      expect(await store.usage(fresh())).toBe(0);
      expect(await store.release(fresh(), 5)).toBe(0);
    });

    it('releases, never below zero', async () => {
      const store = await makeStore();
      const key = fresh();
      await store.reserve(key, 10, 10);
      expect(await store.release(key, 4)).toBe(6);
      expect((await store.reserve(key, 4, 10)).admitted).toBe(true);
      expect(await store.release(key, 100)).toBe(0);
      expect(await store.usage(key)).toBe(0);
    });

    it('sets and resets a level', async () => {
      const store = await makeStore();
      const key = fresh();
      await store.set(key, 42);
      expect(await store.usage(key)).toBe(42);
      expect((await store.reserve(key, 9, 50)).admitted).toBe(false);
      await store.set(key, 0);
      expect(await store.usage(key)).toBe(0);
      await store.reserve(key, 5, 50);
      await store.reset(key);
      expect(await store.usage(key)).toBe(0);
    });

    it('forgets a window once it expires', async () => {
      const store = await makeStore();
      const key = fresh();
      expect((await store.reserve(key, 1, 1, Date.now() + 300)).admitted).toBe(true);
      expect((await store.reserve(key, 1, 1, Date.now() + 300)).admitted).toBe(false);
      await sleep(450);
      expect(await store.usage(key)).toBe(0);
      expect((await store.reserve(key, 1, 1, Date.now() + 300)).admitted).toBe(true);
    });

    it('refuses amounts that are not whole numbers ≥ 0', async () => {
      const store = await makeStore();
      await expect(store.reserve(fresh(), 1.5, 10)).rejects.toThrow(TypeError);
      await expect(store.reserve(fresh(), -1, 10)).rejects.toThrow(TypeError);
      await expect(store.release(fresh(), Number.NaN)).rejects.toThrow(TypeError);
    });

    it('never over-admits when many reservations race for the last units', async () => {
      const store = await makeStore();
      const key = fresh();
      const limit = 25;
      const results = await Promise.all(Array.from({ length: 200 }, () => store.reserve(key, 1, limit)));
      expect(results.filter((r) => r.admitted)).toHaveLength(limit);
      expect(await store.usage(key)).toBe(limit);

      // Uneven amounts racing at a byte limit: the admitted ones sum to at most the limit.
      const bytes = fresh();
      const amounts = Array.from({ length: 100 }, (_, i) => 1 + ((i * 37) % 50));
      const answers = await Promise.all(amounts.map((n) => store.reserve(bytes, n, 500)));
      const admitted = amounts.filter((_, i) => answers[i]!.admitted).reduce((a, b) => a + b, 0);
      expect(admitted).toBeLessThanOrEqual(500);
      expect(await store.usage(bytes)).toBe(admitted);
    });
  });
}
