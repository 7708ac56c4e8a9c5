import { CoreErrors, type KoaforgeError } from '@koaforge/core';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { type AuditInput, type AuditRecorder, noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { KeyRing } from './key-ring.js';
import type { MfaFailurePolicy, MfaRecord, MfaStore } from './mfa-store.js';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';

export interface TotpMfaOptions {
  store: MfaStore;
  /** Seals TOTP secrets at rest (AES-256-GCM, versioned keys). */
  keys: KeyRing;
  /** Shown by authenticator apps above the account, e.g. `Acme`. */
  issuer: string;
  audit?: AuditRecorder;
  /** Recovery codes made when MFA is enabled. Default 10. */
  recoveryCodes?: number;
  /** Wrong codes before the user's second factor locks. Default 5. */
  maxFailures?: number;
  /** Failures are forgotten this long after the first. Default 15 minutes. */
  failureWindowMs?: number;
  /** How long a lock lasts. Default 15 minutes. */
  lockMs?: number;
  /** A pending enrollment must be confirmed within this. Default 15 minutes. */
  enrollmentTtlMs?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** RFC 6238 as every authenticator app does it: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
const DIGITS = 6;
const TOTP_RE = /^\d{6}$/;

export type MfaMethod = 'totp' | 'recovery_code';

/** What a successful check used. */
export interface MfaVerification {
  readonly method: MfaMethod;
}

/** AAD of a sealed secret: it opens only on its owner's record. */
const sealedFor = (userId: string) => `totp:${userId}`;

/**
 * TOTP second factor: enroll → confirm with a first code (enables it and returns recovery codes,
 * shown once) → verify at sign-in or before sensitive actions → disable with a code.
 *
 * - Codes are checked within ±1 step (±30 s of clock drift), and a code's step can be used only
 *   once per user: a code seen over a shoulder or replayed from a log is refused.
 * - Secrets are sealed at rest (see `KeyRing`); recovery codes are stored as hashes, single use.
 * - Every wrong code counts; at `maxFailures` the user's second factor locks for `lockMs`
 *   (`RATE_LIMITED`, 429 with `Retry-After`). The lock is per user, not per IP: an attacker who
 *   has the password cannot spread guesses over addresses.
 *
 * @example
 * const totp = new TotpMfa({ store, keys, issuer: 'Acme' });
 * const { uri } = await totp.enroll(user.id, user.email);   // show as QR code
 * const { recoveryCodes } = await totp.confirmEnrollment(user.id, '123456');
 * await totp.verify(user.id, codeFromUser);
 */
export class TotpMfa {
  readonly #store: MfaStore;
  readonly #keys: KeyRing;
  readonly #issuer: string;
  readonly #audit: AuditRecorder;
  readonly #codeCount: number;
  readonly #failurePolicy: MfaFailurePolicy;
  readonly #enrollmentTtlMs: number;
  readonly #now: () => number;

  constructor(options: TotpMfaOptions) {
    this.#store = options.store;
    this.#keys = options.keys;
    this.#issuer = options.issuer;
    if (!this.#issuer || this.#issuer.includes(':')) {
      throw AuthErrors.AUTH_CONFIG_INVALID('the TOTP issuer must be non-empty and without ":"');
    }
    this.#audit = options.audit ?? noAudit;
    this.#codeCount = options.recoveryCodes ?? 10;
    this.#failurePolicy = {
      max: options.maxFailures ?? 5,
      windowMs: options.failureWindowMs ?? 15 * 60_000,
      lockMs: options.lockMs ?? 15 * 60_000,
    };
    this.#enrollmentTtlMs = options.enrollmentTtlMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Start (or restart) enrollment: a new secret, sealed and stored as pending. Returns the secret
   * (for manual entry) and the `otpauth://` URI (for a QR code); neither is ever stored in clear.
   */
  async enroll(userId: string, accountName: string): Promise<{ secret: string; uri: string }> {
    const existing = await this.#store.get(userId);
    if (existing?.enabled) throw AuthErrors.AUTH_MFA_ALREADY_ENABLED();
    const secret = generateSecret();
    const record: MfaRecord = {
      userId,
      secret: this.#keys.seal(secret, sealedFor(userId)),
      enabled: false,
      createdAt: this.#now(),
      recoveryCodes: [],
    };
    await this.#store.put(record, this.#enrollmentTtlMs);
    this.#record({ type: 'mfa.enrolled', outcome: 'success', actorId: userId, actorType: 'user', subjectId: userId });
    return { secret, uri: generateURI({ issuer: this.#issuer, label: accountName, secret }) };
  }

  /** Confirm a pending enrollment with a current code: MFA is on; the recovery codes are shown once. */
  async confirmEnrollment(userId: string, code: unknown): Promise<{ recoveryCodes: string[] }> {
    await this.#assertNotLocked(userId);
    const record = await this.#store.get(userId);
    if (record?.enabled) throw AuthErrors.AUTH_MFA_ALREADY_ENABLED();
    if (record === undefined || record.createdAt + this.#enrollmentTtlMs <= this.#now()) {
      throw AuthErrors.AUTH_MFA_NOT_ENROLLED();
    }
    const step = await this.#checkTotp(record, typeof code === 'string' ? code.replace(/\s/g, '') : code);
    if (step === undefined) throw await this.#failed(userId, 'enable');
    const recoveryCodes = generateRecoveryCodes(this.#codeCount);
    await this.#store.put({
      ...record,
      enabled: true,
      enabledAt: this.#now(),
      lastTimeStep: step,
      recoveryCodes: recoveryCodes.map((c) => hashRecoveryCode(userId, normalizeRecoveryCode(c)!)),
    });
    await this.#store.clearFailures(userId);
    this.#record({ type: 'mfa.enabled', outcome: 'success', actorId: userId, actorType: 'user', subjectId: userId });
    return { recoveryCodes };
  }

  /**
   * Check a TOTP code or a recovery code of a user with MFA on. Throws `AUTH_MFA_INVALID` (401),
   * `RATE_LIMITED` (429) while locked, `AUTH_MFA_NOT_ENROLLED` (409) when MFA is off.
   */
  async verify(userId: string, code: unknown): Promise<MfaVerification> {
    await this.#assertNotLocked(userId);
    const record = await this.#store.get(userId);
    if (!record?.enabled) throw AuthErrors.AUTH_MFA_NOT_ENROLLED();
    const text = typeof code === 'string' ? code.replace(/\s/g, '') : '';
    if (TOTP_RE.test(text)) {
      if ((await this.#checkTotp(record, text)) !== undefined) {
        await this.#succeeded(record);
        return { method: 'totp' };
      }
    } else {
      const normalized = normalizeRecoveryCode(text);
      if (
        normalized !== undefined &&
        (await this.#store.useRecoveryCode(userId, hashRecoveryCode(userId, normalized)))
      ) {
        await this.#store.clearFailures(userId);
        const remaining = (await this.#store.get(userId))?.recoveryCodes.length ?? 0;
        this.#record({
          type: 'mfa.recovery_code_used',
          outcome: 'success',
          actorId: userId,
          actorType: 'user',
          subjectId: userId,
          data: { remaining },
        });
        return { method: 'recovery_code' };
      }
    }
    throw await this.#failed(userId, 'verify');
  }

  /** Turn MFA off; needs a valid TOTP or recovery code. */
  async disable(userId: string, code: unknown): Promise<void> {
    const { method } = await this.verify(userId, code);
    await this.#store.delete(userId);
    this.#record({
      type: 'mfa.disabled',
      outcome: 'success',
      actorId: userId,
      actorType: 'user',
      subjectId: userId,
      data: { method },
    });
  }

  /** New recovery codes (the old ones stop working); needs a valid TOTP or recovery code. */
  async regenerateRecoveryCodes(userId: string, code: unknown): Promise<{ recoveryCodes: string[] }> {
    await this.verify(userId, code);
    const recoveryCodes = generateRecoveryCodes(this.#codeCount);
    await this.#store.replaceRecoveryCodes(
      userId,
      recoveryCodes.map((c) => hashRecoveryCode(userId, normalizeRecoveryCode(c)!)),
    );
    this.#record({
      type: 'mfa.recovery_codes_regenerated',
      outcome: 'success',
      actorId: userId,
      actorType: 'user',
      subjectId: userId,
      data: { count: recoveryCodes.length },
    });
    return { recoveryCodes };
  }

  async isEnabled(userId: string): Promise<boolean> {
    return (await this.#store.get(userId))?.enabled === true;
  }

  /** For settings pages: whether MFA is on or pending, and how many recovery codes are left. */
  async status(userId: string): Promise<{ enabled: boolean; pending: boolean; recoveryCodesLeft: number }> {
    const record = await this.#store.get(userId);
    return {
      enabled: record?.enabled === true,
      pending: record !== undefined && !record.enabled && record.createdAt + this.#enrollmentTtlMs > this.#now(),
      recoveryCodesLeft: record?.enabled ? record.recoveryCodes.length : 0,
    };
  }

  /** The matched time step, once claimed (a step already used by this user is a replay), else undefined. */
  async #checkTotp(record: MfaRecord, code: unknown): Promise<number | undefined> {
    if (typeof code !== 'string' || !TOTP_RE.test(code)) return undefined;
    const result = await verifyTotp({
      secret: this.#keys.open(record.secret, sealedFor(record.userId)),
      token: code,
      digits: DIGITS,
      period: PERIOD,
      epoch: Math.floor(this.#now() / 1000),
      epochTolerance: PERIOD,
      ...(record.lastTimeStep !== undefined && { afterTimeStep: record.lastTimeStep }),
    });
    // The TOTP strategy's valid result carries the matched step (otplib types it as TOTP | HOTP).
    if (!result.valid || !('timeStep' in result)) return undefined;
    const step = result.timeStep;
    // Two requests with one code both pass the check above; only one wins the step.
    return (await this.#store.useTimeStep(record.userId, step)) ? step : undefined;
  }

  async #succeeded(record: MfaRecord): Promise<void> {
    await this.#store.clearFailures(record.userId);
    if (this.#keys.needsReseal(record.secret)) {
      // Key rotation: re-seal under the current key, keeping whatever changed since the read.
      const fresh = await this.#store.get(record.userId);
      if (fresh?.enabled && fresh.secret === record.secret) {
        const secret = this.#keys.open(fresh.secret, sealedFor(fresh.userId));
        await this.#store.put({ ...fresh, secret: this.#keys.seal(secret, sealedFor(fresh.userId)) });
      }
    }
  }

  async #assertNotLocked(userId: string): Promise<void> {
    const state = await this.#store.failures(userId);
    if (state.failures >= this.#failurePolicy.max) throw lockedError(state.resetInMs);
  }

  async #failed(userId: string, during: 'enable' | 'verify'): Promise<KoaforgeError> {
    const state = await this.#store.recordFailure(userId, this.#failurePolicy);
    const locked = state.failures >= this.#failurePolicy.max;
    this.#record({
      type: 'mfa.failed',
      outcome: 'failure',
      actorId: userId,
      actorType: 'user',
      subjectId: userId,
      reason: locked ? 'locked' : 'invalid_code',
      data: { during, failures: state.failures },
    });
    return AuthErrors.AUTH_MFA_INVALID();
  }

  #record(event: AuditInput): void {
    this.#audit.record(event);
  }
}

function lockedError(resetInMs: number): KoaforgeError {
  const retryAfter = Math.max(1, Math.ceil(resetInMs / 1000));
  return CoreErrors.RATE_LIMITED(`Too many wrong codes; retry in ${retryAfter} s`, {
    headers: { 'Retry-After': String(retryAfter) },
    details: { policy: 'mfa', retryAfter },
  });
}
