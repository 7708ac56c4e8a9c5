import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RevocationStore } from '../../src/sessions/revocation-store.js';

const id = () => randomBytes(9).toString('base64url');

/** The behaviour every `RevocationStore` must have; run against memory and Redis. */
export function revocationStoreContract(name: string, make: () => RevocationStore): void {
  describe(`RevocationStore contract: ${name}`, () => {
    it('denies a session by sid and a token by jti, and nothing else', async () => {
      const store = make();
      const [sid, jti, other] = [id(), id(), id()];
      expect(await store.isRevoked(sid, jti)).toBe(false);
      await store.revoke({ kind: 'session', id: sid, expiresAt: Date.now() + 60_000 });
      expect(await store.isRevoked(sid, other)).toBe(true);
      expect(await store.isRevoked(other, sid)).toBe(false); // kinds do not mix
      await store.revoke({ kind: 'token', id: jti, expiresAt: Date.now() + 60_000 });
      expect(await store.isRevoked(other, jti)).toBe(true);
      expect(await store.isRevoked(other, other)).toBe(false);
    });

    it('forgets an entry once no token it could match is alive', async () => {
      const store = make();
      const sid = id();
      await store.revoke({ kind: 'session', id: sid, expiresAt: Date.now() + 150 });
      expect(await store.isRevoked(sid, id())).toBe(true);
      await sleep(250);
      expect(await store.isRevoked(sid, id())).toBe(false);
    });

    it('never shortens an entry', async () => {
      const store = make();
      const sid = id();
      await store.revoke({ kind: 'session', id: sid, expiresAt: Date.now() + 60_000 });
      await store.revoke({ kind: 'session', id: sid, expiresAt: Date.now() + 100 });
      await sleep(200);
      expect(await store.isRevoked(sid, id())).toBe(true);
    });
  });
}
