import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { KeyRing } from '../../src/mfa/key-ring.js';
import { MemoryMfaStore } from '../../src/mfa/memory-mfa-store.js';
import type { MfaStore } from '../../src/mfa/mfa-store.js';
import { TotpMfa, type TotpMfaOptions } from '../../src/mfa/totp-mfa.js';

/** TOTP under a controlled clock: starts 10 s into a 30 s step. */
export function mfaFixture(options: Partial<TotpMfaOptions> & { store?: MfaStore } = {}) {
  const state = { now: Date.parse('2026-01-01T00:00:10Z') };
  const events: AuditInput[] = [];
  const keyV1 = randomBytes(32);
  const keys = options.keys ?? new KeyRing({ current: 'v1', keys: { v1: keyV1 } });
  const store = options.store ?? new MemoryMfaStore({ now: () => state.now });
  const mfa = new TotpMfa({
    store,
    keys,
    issuer: 'Acme',
    audit: { record: (e) => events.push(e) },
    now: () => state.now,
    ...options,
  });
  /** The code of `secret` at the fixture's time plus `offsetMs`. */
  const code = (secret: string, offsetMs = 0) => generate({ secret, epoch: Math.floor((state.now + offsetMs) / 1000) });
  /** Enroll and confirm `userId`; the secret and the recovery codes. */
  const enable = async (userId = 'u-1') => {
    const { secret } = await mfa.enroll(userId, `${userId}@acme.test`);
    const { recoveryCodes } = await mfa.confirmEnrollment(userId, await code(secret));
    state.now += 30_000; // the enrollment code's step is used up
    return { secret, recoveryCodes };
  };
  return { state, events, keys, keyV1, store, mfa, code, enable };
}
