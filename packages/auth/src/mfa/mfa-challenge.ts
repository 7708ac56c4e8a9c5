import { createHash, randomBytes } from 'node:crypto';
import { type AuditRecorder, noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { MfaStore } from './mfa-store.js';
import type { TotpMfa } from './totp-mfa.js';

export interface MfaChallengeOptions {
  store: MfaStore;
  mfa: TotpMfa;
  audit?: AuditRecorder;
  /** How long the second step may take. Default 5 minutes. */
  ttlMs?: number;
  /** Wrong codes one challenge survives before the password step must be repeated. Default 3. */
  maxAttempts?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** What `issue` hands the client in place of tokens. */
export interface IssuedChallenge {
  /** Opaque; only `complete` accepts it. */
  readonly challengeToken: string;
  /** Seconds until it expires. */
  readonly expiresIn: number;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** Domain-separated SHA-256: a reset-token hash or any other stored hash never matches. */
function hashChallenge(token: string): string {
  return createHash('sha256').update('koaforge:mfa-challenge:').update(token).digest('hex');
}

/**
 * The second step of sign-in. After the password step succeeds for a user with MFA on, `issue`
 * returns a challenge token instead of session tokens: 32 random bytes, stored only as a hash,
 * bound to the user, short-lived, and good for nothing but `complete`. It is not a JWT and no
 * authenticator accepts it, so a stolen challenge token grants no access by itself.
 *
 * `complete(token, code)` takes the challenge atomically (two concurrent completions cannot both
 * succeed), checks the code with `TotpMfa.verify` (TOTP or recovery code, replay and lock rules
 * included) and returns the user id; the caller then issues the session. A wrong code puts the
 * challenge back with one attempt used, until `maxAttempts`; after that, or on expiry, the client
 * must sign in again (`AUTH_MFA_CHALLENGE_INVALID`).
 *
 * @example
 * const user = await passwordLogin.login(email, password, tenant);
 * if (await totp.isEnabled(user.id)) {
 *   ctx.status = 401; ctx.body = { code: 'AUTH_MFA_REQUIRED', ...(await challenges.issue(user.id)) };
 * }
 * // later: const userId = await challenges.complete(body.challengeToken, body.code);
 */
export class MfaChallenge {
  readonly #store: MfaStore;
  readonly #mfa: TotpMfa;
  readonly #audit: AuditRecorder;
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #now: () => number;

  constructor(options: MfaChallengeOptions) {
    this.#store = options.store;
    this.#mfa = options.mfa;
    this.#audit = options.audit ?? noAudit;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#now = options.now ?? Date.now;
    if (!(this.#ttlMs >= 10_000 && this.#ttlMs <= 15 * 60_000)) {
      throw AuthErrors.AUTH_CONFIG_INVALID('MFA challenge ttlMs must be between 10 seconds and 15 minutes');
    }
    if (!Number.isInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw AuthErrors.AUTH_CONFIG_INVALID('MFA challenge maxAttempts must be a whole number ≥ 1');
    }
  }

  /** A challenge for `userId`, who proved the first factor by `firstFactor` (`pwd`, `oauth`). */
  async issue(userId: string, firstFactor = 'pwd'): Promise<IssuedChallenge> {
    const challengeToken = randomBytes(32).toString('base64url');
    const expiresAt = this.#now() + this.#ttlMs;
    const record = { userId, expiresAt, attempts: 0, ...(firstFactor === 'pwd' ? {} : { firstFactor }) };
    await this.#store.putChallenge(hashChallenge(challengeToken), record, this.#ttlMs);
    return { challengeToken, expiresIn: Math.floor(this.#ttlMs / 1000) };
  }

  /** The user id, once the code is right. */
  async complete(challengeToken: unknown, code: unknown): Promise<string> {
    return (await this.completeSignIn(challengeToken, code)).userId;
  }

  /** The user id and the session's `amr` (first factor, then `otp`), once the code is right. */
  async completeSignIn(challengeToken: unknown, code: unknown): Promise<{ userId: string; amr: string[] }> {
    if (typeof challengeToken !== 'string' || !TOKEN_RE.test(challengeToken)) throw this.#invalid('malformed');
    const hash = hashChallenge(challengeToken);
    const challenge = await this.#store.takeChallenge(hash);
    if (challenge === undefined) throw this.#invalid('unknown_or_used');
    const remainingMs = challenge.expiresAt - this.#now();
    if (remainingMs <= 0) throw this.#invalid('expired', challenge.userId);

    let method: string;
    try {
      ({ method } = await this.#mfa.verify(challenge.userId, code));
    } catch (err) {
      const attempts = challenge.attempts + 1;
      if (AuthErrors.AUTH_MFA_INVALID.is(err) && attempts < this.#maxAttempts) {
        await this.#store.putChallenge(hash, { ...challenge, attempts }, remainingMs);
      }
      throw err;
    }
    this.#audit.record({
      type: 'login.succeeded',
      outcome: 'success',
      actorId: challenge.userId,
      actorType: 'user',
      subjectId: challenge.userId,
      data: { method: 'mfa', factor: method },
    });
    return { userId: challenge.userId, amr: [challenge.firstFactor ?? 'pwd', 'otp'] };
  }

  #invalid(reason: string, userId?: string) {
    this.#audit.record({
      type: 'mfa.failed',
      outcome: 'failure',
      actorType: 'anonymous',
      reason: `challenge_${reason}`,
      ...(userId !== undefined && { subjectId: userId }),
    });
    return AuthErrors.AUTH_MFA_CHALLENGE_INVALID(undefined, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}
