import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { AuthErrors } from '../errors.js';
import {
  assertPasswordAcceptable,
  normalizePassword,
  type PasswordPolicy,
  type PasswordPolicyOptions,
  resolvePasswordPolicy,
  withinByteCap,
} from './password-policy.js';
import { isScryptPhc, verifyScryptPhc } from './scrypt-phc.js';

/** Argon2id cost parameters. */
export interface Argon2Parameters {
  /** Memory in KiB. Default 19456 (19 MiB), OWASP's minimum for Argon2id. */
  memoryCost: number;
  /** Iterations. Default 2. */
  timeCost: number;
  /** Lanes. Default 1. */
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2_PARAMETERS: Readonly<Argon2Parameters> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export interface PasswordHasherOptions extends Partial<Argon2Parameters>, PasswordPolicyOptions {}

/** The answer of {@link PasswordHasher.verify}. */
export interface PasswordVerification {
  readonly ok: boolean;
  /** The password was right but the hash uses other parameters or algorithm: store a new hash. */
  readonly needsRehash: boolean;
}

const FAILED: PasswordVerification = Object.freeze({ ok: false, needsRehash: false });

/**
 * Hashes and verifies passwords with Argon2id into PHC strings
 * (`$argon2id$v=19$m=19456,p=1,t=2$<salt>$<hash>`).
 *
 * - New passwords go through the policy (`minLength`, `maxBytes`) → `AUTH_PASSWORD_WEAK` (422).
 * - Verification never hashes more than `maxBytes`: a longer input is simply wrong.
 * - `verifyOrDummy` verifies against a hash made at boot when there is no user, so a login for an
 *   unknown e-mail takes as long as one for a known e-mail (no account enumeration by timing).
 * - `needsRehash` is true when the stored hash is not Argon2id with the configured parameters
 *   (older parameters, argon2i, imported scrypt): call {@link rehash} and store the result.
 *
 * Argon2 runs on libuv's thread pool (4 threads by default), about 40 ms per hash with the OWASP
 * parameters on one core of a 2-core machine: put a rate limit on the routes that call it.
 *
 * @example
 * const hasher = await PasswordHasher.create();          // OWASP defaults, dummy hash made now
 * const phc = await hasher.hash('correct-horse-battery-staple');
 * const { ok, needsRehash } = await hasher.verify(phc, input);
 */
export class PasswordHasher {
  readonly parameters: Readonly<Argon2Parameters>;
  readonly policy: PasswordPolicy;
  #dummy: Promise<string> | undefined;

  constructor(options: PasswordHasherOptions = {}) {
    this.parameters = Object.freeze({
      memoryCost: options.memoryCost ?? OWASP_ARGON2_PARAMETERS.memoryCost,
      timeCost: options.timeCost ?? OWASP_ARGON2_PARAMETERS.timeCost,
      parallelism: options.parallelism ?? OWASP_ARGON2_PARAMETERS.parallelism,
    });
    const { memoryCost, timeCost, parallelism } = this.parameters;
    for (const [name, value, min] of [
      ['memoryCost', memoryCost, 1024],
      ['timeCost', timeCost, 1],
      ['parallelism', parallelism, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw AuthErrors.AUTH_CONFIG_INVALID(`argon2 ${name} must be a whole number ≥ ${min} (got ${value})`);
      }
    }
    this.policy = resolvePasswordPolicy(options);
  }

  /** A hasher whose dummy hash is already computed (call at boot). */
  static async create(options: PasswordHasherOptions = {}): Promise<PasswordHasher> {
    const hasher = new PasswordHasher(options);
    await hasher.init();
    return hasher;
  }

  /** Compute the dummy hash now instead of on the first unknown-user login. Idempotent. */
  async init(): Promise<void> {
    await this.#dummyHash();
  }

  /** Throws `AUTH_PASSWORD_WEAK` (422) unless `password` satisfies the policy. Hashes nothing. */
  assertAcceptable(password: unknown): asserts password is string {
    assertPasswordAcceptable(password, this.policy);
  }

  /** Hash a new password (checked against the policy first). */
  async hash(password: unknown): Promise<string> {
    this.assertAcceptable(password);
    return this.#argon2(password);
  }

  /**
   * Hash a password that was already accepted once (after `verify` said `needsRehash`): only the
   * byte cap applies, so a policy raised since the account was made does not break its login.
   */
  async rehash(password: string): Promise<string> {
    if (!withinByteCap(password, this.policy)) throw AuthErrors.AUTH_PASSWORD_WEAK();
    return this.#argon2(password);
  }

  /** Check `password` against a stored PHC string. Never throws for bad input: it is just not ok. */
  async verify(phc: string, password: unknown): Promise<PasswordVerification> {
    if (!withinByteCap(password, this.policy) || typeof phc !== 'string') return FAILED;
    const normalized = normalizePassword(password);
    if (phc.startsWith('$argon2')) {
      const ok = await argon2.verify(phc, normalized).catch(() => false);
      return ok ? { ok, needsRehash: this.#outdated(phc) } : FAILED;
    }
    if (isScryptPhc(phc)) {
      const ok = await verifyScryptPhc(phc, normalized);
      return ok ? { ok, needsRehash: true } : FAILED;
    }
    // An unreadable stored hash: spend the same time as a real check, then fail.
    await argon2.verify(await this.#dummyHash(), normalized).catch(() => false);
    return FAILED;
  }

  /**
   * `verify` against the user's hash, or against the boot-time dummy hash when there is no user or
   * no password hash (provider-only accounts), which always fails but costs the same.
   */
  async verifyOrDummy(phc: string | undefined, password: unknown): Promise<PasswordVerification> {
    if (phc !== undefined) return this.verify(phc, password);
    await this.verify(await this.#dummyHash(), password);
    return FAILED;
  }

  #outdated(phc: string): boolean {
    if (!phc.startsWith('$argon2id$')) return true;
    try {
      return argon2.needsRehash(phc, { ...this.parameters, version: 0x13 });
    } catch {
      return true;
    }
  }

  #argon2(password: string): Promise<string> {
    return argon2.hash(normalizePassword(password), { type: argon2.argon2id, ...this.parameters });
  }

  #dummyHash(): Promise<string> {
    // A random password nobody knows, hashed with the live parameters so its cost is the real cost.
    this.#dummy ??= this.#argon2(randomBytes(32).toString('base64url'));
    return this.#dummy;
  }
}
