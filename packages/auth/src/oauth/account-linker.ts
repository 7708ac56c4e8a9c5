import { createHash } from 'node:crypto';
import type { AuditInput, AuditRecorder } from '../audit/audit-event.js';
import { noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { AuthUser, UserStore } from '../users/user-store.js';
import type { OAuthIdentity } from './provider.js';

export interface OAuthAccountLinkerOptions {
  users: UserStore;
  audit?: AuditRecorder;
  /** Create an account when no existing one matches. Default true. */
  allowSignup?: boolean;
  /**
   * What an unverified provider e-mail leads to when the provider account is not linked yet:
   * - `reject` (default): `AUTH_OAUTH_EMAIL_UNVERIFIED`, without even looking the address up;
   * - `separate-account`: a new account (if sign-up is allowed) that gets a placeholder address, so
   *   the unverified one can neither take over nor squat an existing account.
   * An unverified e-mail is never used to find an existing account.
   */
  unverifiedEmail?: 'reject' | 'separate-account';
  /** Roles of accounts created here. Default none. */
  defaultRoles?: readonly string[];
  /**
   * Address for accounts whose provider gives none usable (WeChat, or `separate-account`).
   * Default `<provider>.<32 hex of sha256(subject)>@oauth.invalid` (RFC 2606: never deliverable).
   */
  placeholderEmail?: (identity: OAuthIdentity) => string;
}

export interface OAuthLinkContext {
  /** Resolve and create accounts in this tenant. */
  tenantId?: string;
}

export interface OAuthLinkResult {
  readonly user: AuthUser;
  /** A new account was made. */
  readonly created: boolean;
  /** The provider account was just attached to an existing account. */
  readonly linked: boolean;
}

function defaultPlaceholder(identity: OAuthIdentity): string {
  const hash = createHash('sha256').update(identity.subject).digest('hex').slice(0, 32);
  return `${identity.provider}.${hash}@oauth.invalid`;
}

/**
 * Maps a verified provider identity to an account:
 * 1. the account already linked to (provider, subject);
 * 2. else, when the provider VERIFIED the e-mail, the account with that e-mail — linked now
 *    (`oauth.linked`) unless its own address is unverified (someone could have registered it in
 *    advance to hijack the real owner's later provider sign-in) or it is linked to another account
 *    of the same provider;
 * 3. else a new account, when sign-up is allowed.
 *
 * @example
 * const linker = new OAuthAccountLinker({ users, audit });
 * const { user } = await linker.resolve(identity, { tenantId });
 */
export class OAuthAccountLinker {
  readonly #users: UserStore;
  readonly #audit: AuditRecorder;
  readonly #allowSignup: boolean;
  readonly #unverified: 'reject' | 'separate-account';
  readonly #roles: readonly string[];
  readonly #placeholder: (identity: OAuthIdentity) => string;

  constructor(options: OAuthAccountLinkerOptions) {
    this.#users = options.users;
    this.#audit = options.audit ?? noAudit;
    this.#allowSignup = options.allowSignup ?? true;
    this.#unverified = options.unverifiedEmail ?? 'reject';
    this.#roles = options.defaultRoles ?? [];
    this.#placeholder = options.placeholderEmail ?? defaultPlaceholder;
  }

  /** Find, link or create the account for `identity`. */
  async resolve(identity: OAuthIdentity, context: OAuthLinkContext = {}): Promise<OAuthLinkResult> {
    const { tenantId } = context;
    const known = await this.#users.findByExternalId(identity.provider, identity.subject);
    if (known !== undefined) {
      // External ids are global; an account of another tenant is not this tenant's to sign in to.
      if (tenantId !== undefined && known.tenantId !== tenantId) {
        throw this.#refuse(identity, tenantId, 'tenant_mismatch', AuthErrors.AUTH_FORBIDDEN());
      }
      return this.#loggedIn(this.#usable(known, identity, tenantId), identity, false, false, tenantId);
    }

    if (identity.email !== undefined && identity.emailVerified) {
      const existing = await this.#users.findByEmail(identity.email, tenantId);
      if (existing !== undefined) return this.#linkByEmail(existing, identity, tenantId);
      return this.#signup(identity, identity.email, true, tenantId);
    }

    if (identity.email !== undefined && this.#unverified === 'reject') {
      throw this.#refuse(identity, tenantId, 'email_unverified', AuthErrors.AUTH_OAUTH_EMAIL_UNVERIFIED());
    }
    return this.#signup(identity, this.#placeholder(identity), false, tenantId);
  }

  /**
   * Attach a provider account to a signed-in user ("connect GitHub" in account settings). Refused
   * when that provider account belongs to someone else or the user has another one linked.
   */
  async linkToUser(userId: string, identity: OAuthIdentity): Promise<AuthUser> {
    const user = await this.#users.findById(userId);
    if (user === undefined) throw AuthErrors.AUTH_REQUIRED();
    const owner = await this.#users.findByExternalId(identity.provider, identity.subject);
    if (owner !== undefined && owner.id !== user.id) {
      throw this.#refuse(identity, user.tenantId, 'linked_elsewhere', linkedElsewhere(identity));
    }
    const current = user.externalIds?.[identity.provider];
    if (current === identity.subject) return user;
    if (current !== undefined)
      throw this.#refuse(identity, user.tenantId, 'provider_conflict', linkedElsewhere(identity));
    return this.#attach(user, identity);
  }

  async #linkByEmail(
    existing: AuthUser,
    identity: OAuthIdentity,
    tenantId: string | undefined,
  ): Promise<OAuthLinkResult> {
    const user = this.#usable(existing, identity, tenantId);
    if (user.externalIds?.[identity.provider] !== undefined) {
      throw this.#refuse(identity, tenantId, 'provider_conflict', linkedElsewhere(identity));
    }
    if (!user.emailVerified) {
      throw this.#refuse(
        identity,
        tenantId,
        'local_email_unverified',
        AuthErrors.AUTH_OAUTH_EMAIL_UNVERIFIED(
          'An account with this email exists but its email is not verified; sign in and link the provider there',
        ),
      );
    }
    return this.#loggedIn(await this.#attach(user, identity), identity, false, true, tenantId);
  }

  async #attach(user: AuthUser, identity: OAuthIdentity): Promise<AuthUser> {
    const updated = await this.#users.update(user.id, {
      externalIds: { ...user.externalIds, [identity.provider]: identity.subject },
    });
    this.#record({
      type: 'oauth.linked',
      outcome: 'success',
      actorId: user.id,
      actorType: 'user',
      subjectId: user.id,
      tenantId: user.tenantId,
      data: { provider: identity.provider },
    });
    return updated;
  }

  async #signup(
    identity: OAuthIdentity,
    email: string,
    emailVerified: boolean,
    tenantId: string | undefined,
  ): Promise<OAuthLinkResult> {
    if (!this.#allowSignup) {
      throw this.#refuse(identity, tenantId, 'signup_disabled', AuthErrors.AUTH_FORBIDDEN('Sign-up is not open'));
    }
    const user = await this.#users.create({
      email,
      emailVerified,
      tenantId,
      roles: [...this.#roles],
      externalIds: { [identity.provider]: identity.subject },
    });
    return this.#loggedIn(user, identity, true, false, tenantId);
  }

  #usable(user: AuthUser, identity: OAuthIdentity, tenantId: string | undefined): AuthUser {
    if (user.disabled === true) {
      throw this.#refuse(identity, tenantId, 'account_disabled', AuthErrors.AUTH_FORBIDDEN('This account is disabled'));
    }
    return user;
  }

  #loggedIn(
    user: AuthUser,
    identity: OAuthIdentity,
    created: boolean,
    linked: boolean,
    tenantId: string | undefined,
  ): OAuthLinkResult {
    this.#record({
      type: 'oauth.login',
      outcome: 'success',
      actorId: user.id,
      actorType: 'user',
      subjectId: user.id,
      tenantId: user.tenantId ?? tenantId,
      data: { provider: identity.provider, created, linked },
    });
    return { user, created, linked };
  }

  #refuse<E extends Error>(identity: OAuthIdentity, tenantId: string | undefined, reason: string, err: E): E {
    this.#record({
      type: 'oauth.login',
      outcome: 'failure',
      actorType: 'anonymous',
      tenantId,
      reason,
      data: { provider: identity.provider },
    });
    return err;
  }

  #record(event: AuditInput): void {
    this.#audit.record(event);
  }
}

function linkedElsewhere(identity: OAuthIdentity): Error {
  return AuthErrors.AUTH_FORBIDDEN(`This account is already linked to a different ${identity.provider} account`);
}
