import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { SessionRecord, SessionStore } from '../../src/sessions/session-store.js';

const id = () => randomBytes(9).toString('base64url');

function session(over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return { id: id(), userId: id(), createdAt: now, lastSeenAt: now, expiresAt: now + 60_000, ...over };
}

/** The behaviour every `SessionStore` must have; run against memory and Redis. */
export function sessionStoreContract(name: string, make: () => SessionStore): void {
  describe(`SessionStore contract: ${name}`, () => {
    it('stores and returns a session, with and without optional fields', async () => {
      const store = make();
      const full = session({ tenantId: 'acme', ip: '203.0.113.9', userAgent: 'curl/8', amr: ['pwd', 'otp'] });
      const bare = session();
      await store.create(full);
      await store.create(bare);
      expect(await store.get(full.userId, full.id)).toEqual(full);
      expect(await store.get(bare.userId, bare.id)).toEqual(bare);
      expect(await store.get(full.userId, 'nope')).toBeUndefined();
    });

    it('never returns a session to another user', async () => {
      const store = make();
      const s = session();
      await store.create(s);
      expect(await store.get('someone-else', s.id)).toBeUndefined();
      expect(await store.revoke('someone-else', s.id, Date.now(), 'x')).toBeUndefined();
      expect(await store.touch('someone-else', s.id, { at: Date.now() })).toBe(false);
      expect((await store.get(s.userId, s.id))?.revokedAt).toBeUndefined();
    });

    it("lists a user's live sessions oldest first", async () => {
      const store = make();
      const userId = id();
      const a = session({ userId, createdAt: Date.now() - 2000 });
      const b = session({ userId, createdAt: Date.now() - 1000 });
      const c = session({ userId });
      for (const s of [c, a, b]) await store.create(s);
      await store.create(session());
      await store.revoke(userId, b.id, Date.now(), 'test');
      expect((await store.listForUser(userId)).map((s) => s.id)).toEqual([a.id, c.id]);
      expect(await store.listForUser(id())).toEqual([]);
    });

    it('touches live sessions only, and never un-revokes', async () => {
      const store = make();
      const s = session({ ip: '198.51.100.1' });
      await store.create(s);
      const later = s.lastSeenAt + 5000;
      expect(await store.touch(s.userId, s.id, { at: later, ip: '198.51.100.2', userAgent: 'app/2' })).toBe(true);
      expect(await store.get(s.userId, s.id)).toMatchObject({
        lastSeenAt: later,
        ip: '198.51.100.2',
        userAgent: 'app/2',
      });
      await store.revoke(s.userId, s.id, later + 1, 'test');
      expect(await store.touch(s.userId, s.id, { at: later + 2 })).toBe(false);
      expect(await store.get(s.userId, s.id)).toMatchObject({
        lastSeenAt: later,
        revokedAt: later + 1,
        revokedReason: 'test',
      });
      expect(await store.touch(s.userId, 'unknown', { at: later })).toBe(false);
    });

    it('revokes once: of concurrent revocations exactly one gets the record', async () => {
      const store = make();
      const s = session({ tenantId: 't1' });
      await store.create(s);
      const at = Date.now();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.revoke(s.userId, s.id, at, 'logout')));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ id: s.id, tenantId: 't1', revokedAt: at, revokedReason: 'logout' });
      expect(await store.revoke(s.userId, s.id, at, 'again')).toBeUndefined();
    });

    it('forgets a session at its expiresAt', async () => {
      const store = make();
      const s = session({ expiresAt: Date.now() + 150 });
      await store.create(s);
      expect(await store.get(s.userId, s.id)).toBeDefined();
      await sleep(250);
      expect(await store.get(s.userId, s.id)).toBeUndefined();
      expect(await store.listForUser(s.userId)).toEqual([]);
    });
  });
}
