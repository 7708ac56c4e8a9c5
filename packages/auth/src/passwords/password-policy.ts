import { AuthErrors } from '../errors.js';

/** What a new password must satisfy. */
export interface PasswordPolicyOptions {
  /** Fewest characters (Unicode code points, after NFKC normalisation). Default 12. */
  minLength?: number;
  /**
   * Most UTF-8 bytes. Default 1024. Checked before any hashing: Argon2 itself accepts huge inputs,
   * and without a cap one request with a multi-megabyte "password" costs the server far more than
   * it costs the client (hash-DoS).
   */
  maxBytes?: number;
}

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxBytes: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({ minLength: 12, maxBytes: 1024 });

export function resolvePasswordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const policy = {
    minLength: options.minLength ?? DEFAULT_PASSWORD_POLICY.minLength,
    maxBytes: options.maxBytes ?? DEFAULT_PASSWORD_POLICY.maxBytes,
  };
  if (!Number.isInteger(policy.minLength) || policy.minLength < 1) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`password minLength must be a whole number ≥ 1 (got ${policy.minLength})`);
  }
  if (!Number.isInteger(policy.maxBytes) || policy.maxBytes < policy.minLength * 4) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`password maxBytes must be ≥ 4 × minLength (got ${policy.maxBytes})`);
  }
  return Object.freeze(policy);
}

/**
 * NIST SP 800-63B §5.1.1.2: Unicode passwords are normalised before hashing, so the same password
 * typed on two keyboards (composed vs decomposed accents, full-width digits) verifies.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** True when the input is a string of at most `maxBytes` UTF-8 bytes: the only inputs ever hashed. */
export function withinByteCap(password: unknown, policy: PasswordPolicy): password is string {
  // Cheap pre-check first: a string longer than maxBytes UTF-16 units is over the cap in UTF-8 too.
  return (
    typeof password === 'string' &&
    password.length <= policy.maxBytes &&
    Buffer.byteLength(password, 'utf8') <= policy.maxBytes
  );
}

/**
 * Throws `AUTH_PASSWORD_WEAK` (422) unless `password` may be set as a new password. The error's
 * `details` say which rule failed (`reason: 'too_short' | 'too_long' | 'not_a_string'`) and the limits.
 */
export function assertPasswordAcceptable(password: unknown, policy: PasswordPolicy): asserts password is string {
  if (typeof password !== 'string') throw weak('not_a_string', policy);
  if (!withinByteCap(password, policy)) throw weak('too_long', policy);
  const length = [...normalizePassword(password)].length;
  if (length < policy.minLength) throw weak('too_short', policy);
}

function weak(reason: 'too_short' | 'too_long' | 'not_a_string', policy: PasswordPolicy) {
  const message =
    reason === 'too_short'
      ? `The password must have at least ${policy.minLength} characters`
      : reason === 'too_long'
        ? `The password must be at most ${policy.maxBytes} bytes`
        : 'The password must be a string';
  return AuthErrors.AUTH_PASSWORD_WEAK(message, {
    details: { reason, minLength: policy.minLength, maxBytes: policy.maxBytes },
  });
}
