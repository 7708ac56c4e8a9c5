import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MfaRecord, MfaStore } from '../../src/mfa/mfa-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The cases every `MfaStore` passes (memory and Redis). */
export function runMfaStoreContract(name: string, makeStore: () => MfaStore): void {
  describe(`MfaStore contract: ${name}`, () => {
    const record = (overrides: Partial<MfaRecord> = {}): MfaRecord => ({
      userId: `u-${randomUUID()}`,
      secret: 'v1:iv:tag:ct',
      enabled: true,
      createdAt: 1_000,
      enabledAt: 2_000,
      lastTimeStep: 10,
      recoveryCodes: ['h1', 'h2', 'h3'],
      ...overrides,
    });

    it('put / get / delete round-trip a record', async () => {
      const store = makeStore();
      const r = record();
      await store.put(r);
      const got = await store.get(r.userId);
      expect({ ...got, recoveryCodes: [...(got?.recoveryCodes ?? [])].sort() }).toEqual(r);
      await store.delete(r.userId);
      expect(await store.get(r.userId)).toBeUndefined();
    });

    it('put replaces the whole record, recovery codes included; a pending record has no step', async () => {
      const store = makeStore();
      const r = record();
      await store.put(r);
      const pending = record({ userId: r.userId, enabled: false, recoveryCodes: [] });
      const { enabledAt: _e, lastTimeStep: _l, ...bare } = pending;
      await store.put(bare);
      expect(await store.get(r.userId)).toEqual(bare);
    });

    it('a put with a ttl is forgotten after it', async () => {
      const store = makeStore();
      const r = record({ enabled: false });
      await store.put(r, 50);
      await sleep(120);
      expect(await store.get(r.userId)).toBeUndefined();
    });

    it('useTimeStep only moves forward, atomically', async () => {
      const store = makeStore();
      const r = record({ lastTimeStep: 10 });
      await store.put(r);
      expect(await store.useTimeStep(r.userId, 10)).toBe(false);
      expect(await store.useTimeStep(r.userId, 9)).toBe(false);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.useTimeStep(r.userId, 11)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get(r.userId))?.lastTimeStep).toBe(11);
      expect(await store.useTimeStep('nobody', 99)).toBe(false);
    });

    it('useTimeStep works on a record without a step', async () => {
      const store = makeStore();
      const { lastTimeStep: _l, ...r } = record();
      await store.put(r);
      expect(await store.useTimeStep(r.userId, 5)).toBe(true);
      expect(await store.useTimeStep(r.userId, 5)).toBe(false);
    });

    it('useRecoveryCode removes a code once, under concurrency too', async () => {
      const store = makeStore();
      const r = record();
      await store.put(r);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.useRecoveryCode(r.userId, 'h2')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.useRecoveryCode(r.userId, 'nope')).toBe(false);
      expect([...((await store.get(r.userId))?.recoveryCodes ?? [])].sort()).toEqual(['h1', 'h3']);
    });

    it('replaceRecoveryCodes swaps the set and keeps the rest', async () => {
      const store = makeStore();
      const r = record();
      await store.put(r);
      await store.replaceRecoveryCodes(r.userId, ['n1', 'n2']);
      const got = await store.get(r.userId);
      expect([...(got?.recoveryCodes ?? [])].sort()).toEqual(['n1', 'n2']);
      expect(got?.lastTimeStep).toBe(10);
      await store.replaceRecoveryCodes('nobody', ['x']);
      expect(await store.get('nobody')).toBeUndefined();
    });

    it('counts failures in a window, locks at the maximum, and clears', async () => {
      const store = makeStore();
      const userId = `u-${randomUUID()}`;
      const policy = { windowMs: 10_000, max: 3, lockMs: 60_000 };
      expect(await store.failures(userId)).toEqual({ failures: 0, resetInMs: 0 });
      expect((await store.recordFailure(userId, policy)).failures).toBe(1);
      expect((await store.recordFailure(userId, policy)).resetInMs).toBeLessThanOrEqual(10_000);
      const locked = await store.recordFailure(userId, policy);
      expect(locked.failures).toBe(3);
      expect(locked.resetInMs).toBeGreaterThan(50_000);
      expect((await store.failures(userId)).failures).toBe(3);
      await store.clearFailures(userId);
      expect((await store.failures(userId)).failures).toBe(0);
    });

    it('forgets failures after the window', async () => {
      const store = makeStore();
      const userId = `u-${randomUUID()}`;
      await store.recordFailure(userId, { windowMs: 50, max: 5, lockMs: 60_000 });
      await sleep(120);
      expect((await store.failures(userId)).failures).toBe(0);
    });

    it('challenges are taken once, under concurrency too, and expire', async () => {
      const store = makeStore();
      const hash = randomUUID();
      const challenge = { userId: 'u-1', expiresAt: 5_000, attempts: 1 };
      await store.putChallenge(hash, challenge, 60_000);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.takeChallenge(hash)));
      expect(results.filter((r) => r !== undefined)).toEqual([challenge]);
      const short = randomUUID();
      await store.putChallenge(short, challenge, 50);
      await sleep(120);
      expect(await store.takeChallenge(short)).toBeUndefined();
    });

    it('challenges keep how the first factor was proved', async () => {
      const store = makeStore();
      const hash = randomUUID();
      const challenge = { userId: 'u-1', expiresAt: 5_000, attempts: 0, firstFactor: 'oauth' };
      await store.putChallenge(hash, challenge, 60_000);
      expect(await store.takeChallenge(hash)).toEqual(challenge);
    });
  });
}
