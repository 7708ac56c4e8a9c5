import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RateLimitStore, WindowSpec } from '../../src/ratelimit/store.js';

/**
 * The behaviour every rate-limit store must have, run against each implementation (memory, Redis)
 * by `stores.test.ts`. `makeStore` is called once per case; cases use fresh namespaces.
 */
export function runStoreContract(name: string, makeStore: () => RateLimitStore | Promise<RateLimitStore>): void {
  const spec = (limit: number, seconds = 60): WindowSpec => ({
    namespace: `rl:contract-${randomUUID().slice(0, 8)}:${seconds}s`,
    limit,
    seconds,
  });

  describe(`rate limit store contract: ${name}`, () => {
    it('counts consumes per key and reports the time left in the window', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(3));
      const first = await counter.consume('k', 1);
      expect(first.consumedPoints).toBe(1);
      expect(first.msBeforeNext).toBeGreaterThan(58_000);
      expect(first.msBeforeNext).toBeLessThanOrEqual(60_000);
      expect((await counter.consume('k', 1)).consumedPoints).toBe(2);
      expect((await counter.consume('other', 1)).consumedPoints).toBe(1);
    });

    it('answers over-limit consumes with the count instead of rejecting', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(2));
      await counter.consume('k', 1);
      await counter.consume('k', 1);
      const over = await counter.consume('k', 1);
      expect(over.consumedPoints).toBe(3);
      expect(over.consumedPoints).toBeGreaterThan(counter.spec.limit);
    });

    it('adds the cost of a request', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(10));
      expect((await counter.consume('k', 4)).consumedPoints).toBe(4);
      expect((await counter.consume('k', 7)).consumedPoints).toBe(11);
    });

    it('keeps windows of different namespaces apart', async () => {
      const store = await makeStore();
      const a = store.counter(spec(5));
      const b = store.counter(spec(5));
      await a.consume('k', 3);
      expect((await b.consume('k', 1)).consumedPoints).toBe(1);
    });

    it('shares counts between counters of the same namespace (two limiters on one store)', async () => {
      const store = await makeStore();
      const s = spec(5);
      await store.counter(s).consume('k', 2);
      expect((await store.counter({ ...s }).consume('k', 1)).consumedPoints).toBe(3);
    });

    it('starts a new window when the old one ends', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(1, 1));
      await counter.consume('k', 1);
      expect((await counter.consume('k', 1)).consumedPoints).toBe(2);
      await sleep(1100);
      expect((await counter.consume('k', 1)).consumedPoints).toBe(1);
    });

    it('reads a count without changing it, undefined for unknown keys', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(5));
      expect(await counter.get('k')).toBeUndefined();
      await counter.consume('k', 2);
      expect((await counter.get('k'))?.consumedPoints).toBe(2);
      expect((await counter.get('k'))?.consumedPoints).toBe(2);
    });

    it('blocks a key over its limit for whole seconds, then forgets it', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(3));
      await counter.block('k', 300); // rounded up to 1 s, never 0 (a 0 s expiry would never expire in Redis)
      const blocked = await counter.get('k');
      expect(blocked?.consumedPoints).toBeGreaterThan(3);
      expect(blocked?.msBeforeNext).toBeGreaterThan(0);
      expect(blocked?.msBeforeNext).toBeLessThanOrEqual(1000);
      await sleep(1100);
      expect(await counter.get('k')).toBeUndefined();
    });

    it('resets a key', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(3));
      await counter.consume('k', 3);
      await counter.reset('k');
      expect(await counter.get('k')).toBeUndefined();
      expect((await counter.consume('k', 1)).consumedPoints).toBe(1);
    });

    it('counts concurrent consumes atomically: exactly `limit` of them are within the limit', async () => {
      const store = await makeStore();
      const counter = store.counter(spec(20));
      const states = await Promise.all(Array.from({ length: 50 }, () => counter.consume('k', 1)));
      const counts = states.map((s) => s.consumedPoints).sort((x, y) => x - y);
      expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(states.filter((s) => s.consumedPoints <= 20)).toHaveLength(20);
    });

    it('says it is healthy and names its kind', async () => {
      const store = await makeStore();
      expect(store.healthy).toBe(true);
      expect(typeof store.kind).toBe('string');
    });
  });
}
