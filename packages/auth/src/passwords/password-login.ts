import { type BruteForceGuard, currentContext, type KoaforgeError, type Logger } from '@koaforge/core';
import { type AuditRecorder, noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { AuthUser, UserStore } from '../users/user-store.js';
import type { PasswordHasher } from './password-hasher.js';

export interface PasswordLoginOptions {
  users: UserStore;
  hasher: PasswordHasher;
  /**
   * Counts failures per (account, ip) and per ip; blocked attempts get `RATE_LIMITED` (429,
   * `Retry-After`). Pass one built on the app's shared rate-limit store so every process counts
   * together. None: no brute-force protection (tests only).
   */
  guard?: BruteForceGuard;
  audit?: AuditRecorder;
  /**
   * When it says a user has MFA on, a right password is audited as `login.mfa_required` instead of
   * `login.succeeded` (the caller then issues an `MfaChallenge`). `TotpMfa` fits.
   */
  mfa?: { isEnabled(userId: string): Promise<boolean> };
  /** Logs failed rehash writes. */
  logger?: Logger;
}

/** Per-call options of {@link PasswordLogin.login}. */
export interface LoginCallOptions {
  /**
   * The client address for brute-force counting. Default: the current request's `ctx.ip`. Behind a
   * proxy, pass core's `clientIp(ctx, { trustedProxyHops })` so a forged `X-Forwarded-For` cannot
   * pick the counter.
   */
  ip?: string;
}

/** Lower-cased and trimmed, as `AuthUser.email` is stored. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const MAX_EMAIL_LENGTH = 320;

/** One error object shape for every failure: same status, code, message and header. */
function invalidCredentials(): KoaforgeError {
  return AuthErrors.AUTH_INVALID_CREDENTIALS(undefined, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

/**
 * The password step of sign-in: e-mail + password (+ tenant) → the user, or
 * `AUTH_INVALID_CREDENTIALS` (401) with the same body whether the account is unknown, the password
 * wrong, or the account disabled, and in about the same time (an unknown user is checked against a
 * dummy hash; a disabled one is checked like any other before being refused).
 *
 * @example
 * const login = new PasswordLogin({ users, hasher, guard: new BruteForceGuard({ store }), audit });
 * router.post('/login', async (ctx) => {
 *   const { email, password, tenant } = ctx.request.body;
 *   const user = await login.login(email, password, tenant, { ip: clientIp(ctx) });
 *   // issue tokens, or an MfaChallenge when TOTP is on
 * });
 */
export class PasswordLogin {
  readonly #users: UserStore;
  readonly #hasher: PasswordHasher;
  readonly #guard: BruteForceGuard | undefined;
  readonly #audit: AuditRecorder;
  readonly #mfa: PasswordLoginOptions['mfa'];
  readonly #logger: Logger | undefined;

  constructor(options: PasswordLoginOptions) {
    this.#users = options.users;
    this.#hasher = options.hasher;
    this.#guard = options.guard;
    this.#audit = options.audit ?? noAudit;
    this.#mfa = options.mfa;
    this.#logger = options.logger;
  }

  async login(email: unknown, password: unknown, tenant?: string, options: LoginCallOptions = {}): Promise<AuthUser> {
    const normalized = typeof email === 'string' ? normalizeEmail(email) : '';
    const ip = options.ip ?? currentContext()?.ctx?.ip;
    // The guard key includes the tenant: alice@acme in tenant A and in tenant B are two accounts.
    const account = `${tenant ?? ''}\u0000${normalized}`;
    if (this.#guard) {
      try {
        await this.#guard.check(account, ip);
      } catch (err) {
        this.#audit.record({
          type: 'login.failed',
          outcome: 'failure',
          actorType: 'anonymous',
          reason: 'rate_limited',
          ...(tenant !== undefined && { tenantId: tenant }),
        });
        throw err;
      }
    }

    const user =
      normalized.length > 0 && normalized.length <= MAX_EMAIL_LENGTH
        ? await this.#users.findByEmail(normalized, tenant)
        : undefined;
    const { ok, needsRehash } = await this.#hasher.verifyOrDummy(user?.passwordHash, password);

    if (user === undefined || !ok || user.disabled === true) {
      const reason = user === undefined ? 'unknown_account' : !ok ? 'wrong_password' : 'account_disabled';
      const state = this.#guard ? await this.#guard.fail(account, ip) : undefined;
      this.#audit.record({
        type: 'login.failed',
        outcome: 'failure',
        actorType: 'anonymous',
        reason,
        ...(user !== undefined && { subjectId: user.id }),
        ...((user?.tenantId ?? tenant) !== undefined && { tenantId: user?.tenantId ?? tenant }),
        ...(state !== undefined && { data: { failures: state.failures, blocked: state.blocked } }),
      });
      throw invalidCredentials();
    }

    await this.#guard?.succeed(account, ip);
    if (needsRehash && typeof password === 'string') await this.#upgradeHash(user, password);
    const mfaPending = this.#mfa ? await this.#mfa.isEnabled(user.id) : false;
    this.#audit.record({
      type: mfaPending ? 'login.mfa_required' : 'login.succeeded',
      outcome: 'success',
      actorId: user.id,
      actorType: 'user',
      subjectId: user.id,
      ...(user.tenantId !== undefined && { tenantId: user.tenantId }),
      data: { method: 'password' },
    });
    return user;
  }

  /** Parameters changed since this hash was made: store a fresh one. A failure never fails the login. */
  async #upgradeHash(user: AuthUser, password: string): Promise<void> {
    try {
      await this.#users.update(user.id, { passwordHash: await this.#hasher.rehash(password) });
    } catch (err) {
      this.#logger?.warn({ err, userId: user.id }, 'password rehash failed; the old hash stays');
    }
  }
}
