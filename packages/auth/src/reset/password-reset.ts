import type { Logger } from '@koaforge/core';
import { type AuditInput, type AuditRecorder, noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { Mailer, MailMessage } from '../mailer/mailer.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import { normalizeEmail } from '../passwords/password-login.js';
import type { SessionRevoker } from '../sessions/session-revoker.js';
import type { AuthUser, UserStore } from '../users/user-store.js';
import {
  checkResetPath,
  hashResetToken,
  isResetTokenShape,
  newResetToken,
  parseOrigin,
  resetLink,
} from './reset-link.js';
import type { ResetTokenStore } from './reset-token-store.js';

/** What the reset mail says; `to` is filled in. */
export type ResetMailComposer = (input: {
  link: string;
  user: AuthUser;
  expiresInMinutes: number;
}) => Omit<MailMessage, 'to'>;

export interface PasswordResetOptions {
  users: UserStore;
  hasher: PasswordHasher;
  store: ResetTokenStore;
  mailer: Mailer;
  sessions: SessionRevoker;
  /** The app's public origin, e.g. `https://app.acme.test`: the only source of the link's host. */
  origin: string;
  /** Path of the page that reads the token from the fragment. Default `/reset-password`. */
  path?: string;
  /** Token lifetime. Default 30 minutes. */
  ttlMs?: number;
  compose?: ResetMailComposer;
  audit?: AuditRecorder;
  /** Logs failed background deliveries (store or mail errors). */
  logger?: Logger;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const DEFAULT_TTL_MS = 30 * 60_000;
const MAX_EMAIL_LENGTH = 320;

export const defaultResetMail: ResetMailComposer = ({ link, expiresInMinutes }) => ({
  subject: 'Reset your password',
  text: [
    'Someone asked to reset the password of your account.',
    `If it was you, open this link within ${expiresInMinutes} minutes to choose a new password:`,
    '',
    link,
    '',
    'If it was not you, ignore this message: your password stays as it is.',
  ].join('\n'),
});

/**
 * Forgotten-password flow.
 *
 * - `request(email)` always resolves the same way (the route answers 202 whatever happens), after
 *   the same work for known and unknown addresses: lookup, token generation and hashing. Storing
 *   the token and sending the mail happen in the background, so neither their time nor their
 *   failure shows in the answer. A new request voids the user's older token.
 * - The link's origin comes from configuration only (never `Host` / `X-Forwarded-Host`, which an
 *   attacker sets to get the victim's token mailed as a link to their own server), and the token
 *   rides in the URL fragment (see `resetLink`).
 * - `reset(token, password)` checks the password policy before spending the token, takes the token
 *   atomically (one winner under concurrency), enforces expiry, stores the new hash and revokes
 *   every session of the user.
 *
 * @example
 * const reset = new PasswordReset({ users, hasher, store, mailer, sessions, origin: 'https://app.acme.test' });
 * router.post('/password/forgot', async (ctx) => { await reset.request(ctx.request.body.email); ctx.status = 202; });
 * router.post('/password/reset', async (ctx) => {
 *   await reset.reset(ctx.request.body.token, ctx.request.body.password);
 *   ctx.status = 204;
 * });
 */
export class PasswordReset {
  readonly #deps: PasswordResetOptions;
  readonly #origin: string;
  readonly #path: string;
  readonly #ttlMs: number;
  readonly #compose: ResetMailComposer;
  readonly #audit: AuditRecorder;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<void>>();

  constructor(options: PasswordResetOptions) {
    this.#deps = options;
    this.#origin = parseOrigin(options.origin);
    this.#path = checkResetPath(options.path ?? '/reset-password');
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    if (!(this.#ttlMs >= 60_000 && this.#ttlMs <= 24 * 3_600_000)) {
      throw AuthErrors.AUTH_CONFIG_INVALID('password reset ttlMs must be between 1 minute and 24 hours');
    }
    this.#compose = options.compose ?? defaultResetMail;
    this.#audit = options.audit ?? noAudit;
    this.#now = options.now ?? Date.now;
  }

  /** Start a reset for `email` (in `tenant`). Resolves identically whether or not the account exists. */
  async request(email: unknown, tenant?: string): Promise<void> {
    const normalized = typeof email === 'string' ? normalizeEmail(email) : '';
    const user =
      normalized.length > 0 && normalized.length <= MAX_EMAIL_LENGTH
        ? await this.#deps.users.findByEmail(normalized, tenant)
        : undefined;
    // Made and hashed for unknown addresses too: the same work whatever the answer.
    const token = newResetToken();
    const tokenHash = hashResetToken(token);
    const eligible = user !== undefined && user.disabled !== true;
    this.#record({
      type: 'password.reset_requested',
      outcome: eligible ? 'success' : 'failure',
      actorType: 'anonymous',
      ...(user !== undefined && { subjectId: user.id }),
      ...((user?.tenantId ?? tenant) !== undefined && { tenantId: user?.tenantId ?? tenant }),
      ...(!eligible && { reason: user === undefined ? 'unknown_account' : 'account_disabled' }),
    });
    if (eligible) this.#background(this.#deliver(user, token, tokenHash));
  }

  /** Set a new password with a reset token; returns whose it was. */
  async reset(token: unknown, newPassword: unknown): Promise<{ userId: string }> {
    if (!isResetTokenShape(token)) throw this.#refuse('malformed_token');
    // Before the token is spent: a password the policy refuses must not cost the user their link.
    this.#deps.hasher.assertAcceptable(newPassword);
    const record = await this.#deps.store.take(hashResetToken(token));
    if (record === undefined) throw this.#refuse('unknown_or_used_token');
    if (record.expiresAt <= this.#now()) throw this.#refuse('expired_token', record.userId);
    const user = await this.#deps.users.findById(record.userId);
    if (user === undefined || user.disabled === true) throw this.#refuse('account_unavailable', record.userId);

    await this.#deps.users.update(user.id, { passwordHash: await this.#deps.hasher.hash(newPassword) });
    // After the new hash is stored: a session made with the old password in between is revoked too.
    const revoked = await this.#deps.sessions.revokeAllForUser(user.id, 'password_reset');
    this.#record({
      type: 'password.reset',
      outcome: 'success',
      actorId: user.id,
      actorType: 'user',
      subjectId: user.id,
      ...(user.tenantId !== undefined && { tenantId: user.tenantId }),
      data: { sessionsRevoked: revoked },
    });
    return { userId: user.id };
  }

  /** Resolves when every background delivery started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #deliver(user: AuthUser, token: string, tokenHash: string): Promise<void> {
    const now = this.#now();
    await this.#deps.store.put(tokenHash, { userId: user.id, expiresAt: now + this.#ttlMs }, this.#ttlMs);
    const link = resetLink(this.#origin, this.#path, token);
    const mail = this.#compose({ link, user, expiresInMinutes: Math.round(this.#ttlMs / 60_000) });
    await this.#deps.mailer.send({ ...mail, to: user.email });
  }

  #background(task: Promise<void>): void {
    const tracked = task
      .catch((err: unknown) => {
        // The error may carry the recipient, never the token: it is not in any of these messages.
        this.#deps.logger?.error({ err }, 'password reset: storing the token or sending the mail failed');
      })
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  #refuse(reason: string, userId?: string) {
    this.#record({
      type: 'password.reset',
      outcome: 'failure',
      actorType: 'anonymous',
      reason,
      ...(userId !== undefined && { subjectId: userId }),
    });
    return AuthErrors.AUTH_RESET_INVALID();
  }

  #record(event: AuditInput): void {
    this.#audit.record(event);
  }
}
