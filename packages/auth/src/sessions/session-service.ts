import { randomBytes } from 'node:crypto';
import { type AuditRecorder, noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { AccessTokenService } from '../tokens/access-token-service.js';
import { newRefreshToken, parseRefreshToken, refreshSecretMatches } from '../tokens/refresh-token.js';
import type { AuthUser, UserStore } from '../users/user-store.js';
import type { RefreshTokenRecord, RefreshTokenStore } from './refresh-token-store.js';
import type { RevocationStore } from './revocation-store.js';
import type { SessionRevoker } from './session-revoker.js';
import { isSessionLive, type SessionRecord, type SessionStore } from './session-store.js';

export interface SessionServiceOptions {
  sessions: SessionStore;
  refreshTokens: RefreshTokenStore;
  revocations: RevocationStore;
  accessTokens: AccessTokenService;
  /** Read on every refresh: a deleted or disabled user gets no new tokens, and roles stay current. */
  users: Pick<UserStore, 'findById'>;
  audit?: AuditRecorder;
  /** Idle lifetime of a refresh token, renewed by every refresh (sliding). Default 30 days. */
  refreshTtlSeconds?: number;
  /** Absolute cap of a session: no refresh extends it past this. Default 90 days. */
  sessionMaxAgeSeconds?: number;
  now?: () => number;
}

/** Where a request comes from (recorded on the session, shown in the session list). */
export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

/** The answer of login and refresh, exactly as the HTTP API returns it. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

export interface IssuedSession {
  readonly pair: TokenPair;
  readonly sessionId: string;
  readonly userId: string;
  readonly tenantId?: string;
  /** `jti` of the access token in `pair`. */
  readonly accessTokenId: string;
}

/** A session as its owner sees it: never a token or a hash. */
export interface SessionView {
  readonly id: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly current: boolean;
}

type SessionUser = Pick<AuthUser, 'id' | 'tenantId' | 'roles'>;

const DAY = 86_400;

function positiveSeconds(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw AuthErrors.AUTH_CONFIG_INVALID(`auth sessions: ${name} must be a positive integer`);
  return value;
}

function view(session: SessionRecord, currentId: string | undefined): SessionView {
  return {
    id: session.id,
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    ip: session.ip ?? null,
    userAgent: session.userAgent ?? null,
    current: session.id === currentId,
  };
}

/**
 * Sessions per device and their tokens: starts a session at sign-in, rotates refresh tokens (one
 * use each; a second use revokes the whole session), lists and revokes sessions, and pushes every
 * revocation onto the access-token deny-list so issued access tokens stop at once.
 *
 * @example
 * const { pair } = await sessions.start(user, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
 * ctx.body = pair;
 */
export class SessionService implements SessionRevoker {
  readonly refreshTtlSeconds: number;
  readonly sessionMaxAgeSeconds: number;
  readonly #sessions: SessionStore;
  readonly #refreshTokens: RefreshTokenStore;
  readonly #revocations: RevocationStore;
  readonly #accessTokens: AccessTokenService;
  readonly #users: Pick<UserStore, 'findById'>;
  readonly #audit: AuditRecorder;
  readonly #now: () => number;

  constructor(options: SessionServiceOptions) {
    this.#sessions = options.sessions;
    this.#refreshTokens = options.refreshTokens;
    this.#revocations = options.revocations;
    this.#accessTokens = options.accessTokens;
    this.#users = options.users;
    this.#audit = options.audit ?? noAudit;
    this.#now = options.now ?? Date.now;
    this.refreshTtlSeconds = positiveSeconds(options.refreshTtlSeconds ?? 30 * DAY, 'refreshTtlSeconds');
    this.sessionMaxAgeSeconds = positiveSeconds(options.sessionMaxAgeSeconds ?? 90 * DAY, 'sessionMaxAgeSeconds');
  }

  /** Open a session for a user who has just proven who they are, and issue its first token pair. */
  async start(user: SessionUser, client: ClientInfo = {}, amr?: readonly string[]): Promise<IssuedSession> {
    const now = this.#now();
    const session: SessionRecord = {
      id: randomBytes(16).toString('base64url'),
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.sessionMaxAgeSeconds * 1000,
      ...(user.tenantId === undefined ? {} : { tenantId: user.tenantId }),
      ...(client.ip === undefined ? {} : { ip: client.ip }),
      ...(client.userAgent === undefined ? {} : { userAgent: client.userAgent }),
      ...(amr === undefined ? {} : { amr: [...amr] }),
    };
    await this.#sessions.create(session);
    const refresh = newRefreshToken();
    await this.#refreshTokens.save(this.#refreshRecord(refresh, session, now));
    return this.#issue(user, session, refresh.token);
  }

  /**
   * Trade a refresh token for a new pair. The token is consumed by a compare-and-set: of concurrent
   * refreshes with one token exactly one wins; every other use of it — a race loser or a replay
   * from a stolen copy — is reuse, which revokes the whole session (OAuth 2.0 Security BCP §4.14.2).
   */
  async refresh(refreshToken: string, client: ClientInfo = {}): Promise<IssuedSession> {
    const parsed = parseRefreshToken(refreshToken);
    if (parsed === undefined) throw AuthErrors.AUTH_REFRESH_INVALID();
    const record = await this.#refreshTokens.find(parsed.id);
    if (record === undefined || !refreshSecretMatches(parsed.secret, record.secretHash)) {
      throw AuthErrors.AUTH_REFRESH_INVALID();
    }
    if (record.rotatedAt !== undefined) return this.#reuseDetected(record);
    const now = this.#now();
    const session = await this.#sessions.get(record.userId, record.sessionId);
    if (session === undefined || !isSessionLive(session, now)) throw AuthErrors.AUTH_REFRESH_INVALID();
    const user = await this.#users.findById(record.userId);
    if (user === undefined || user.disabled === true) {
      await this.#revokeSession(session.userId, session.id, 'user_disabled');
      throw AuthErrors.AUTH_REFRESH_INVALID();
    }
    const next = newRefreshToken();
    // Written before the swap so the winner's new token exists the moment the old one is spent; a
    // loser deletes its unused one.
    await this.#refreshTokens.save(this.#refreshRecord(next, session, now));
    const outcome = await this.#refreshTokens.markRotated(record.id, next.id, now);
    if (outcome !== 'rotated') {
      await this.#refreshTokens.delete(next.id);
      if (outcome === 'already-rotated') return this.#reuseDetected(record);
      throw AuthErrors.AUTH_REFRESH_INVALID();
    }
    // The result is not checked: a concurrent reuse may revoke the session right now, and the
    // tokens issued below then die with it through the deny-list.
    await this.#sessions.touch(session.userId, session.id, { at: now, ...client });
    const issued = this.#issue(user, session, next.token);
    this.#audit.record({
      type: 'token.refreshed',
      outcome: 'success',
      actorId: user.id,
      actorType: 'user',
      subjectId: session.id,
      ...(session.tenantId === undefined ? {} : { tenantId: session.tenantId }),
    });
    return issued;
  }

  /** End the caller's session: its refresh token and every access token of it stop working. */
  async logout(auth: { userId: string; sessionId: string; tokenId?: string }): Promise<void> {
    if (auth.tokenId !== undefined) await this.revokeAccessToken(auth.tokenId);
    const revoked = await this.#revokeSession(auth.userId, auth.sessionId, 'logout');
    this.#audit.record({
      type: 'logout',
      outcome: 'success',
      actorId: auth.userId,
      actorType: 'user',
      subjectId: auth.sessionId,
      ...(revoked?.tenantId === undefined ? {} : { tenantId: revoked.tenantId }),
    });
  }

  /** Deny one access token (by `jti`) until it would have expired anyway. */
  async revokeAccessToken(tokenId: string): Promise<void> {
    await this.#revocations.revoke({ kind: 'token', id: tokenId, expiresAt: this.#denyUntil() });
  }

  /** The user's live sessions; `current` marks the one of `currentSessionId` (the caller's `sid`). */
  async list(userId: string, currentSessionId?: string): Promise<SessionView[]> {
    const sessions = await this.#sessions.listForUser(userId);
    return sessions.map((s) => view(s, currentSessionId));
  }

  /**
   * Revoke one of the user's sessions. Another user's session id answers exactly like an unknown
   * one (`AUTH_SESSION_NOT_FOUND`), so ids cannot be probed.
   */
  async revoke(userId: string, sessionId: string, reason = 'revoked_by_user'): Promise<void> {
    const session = await this.#sessions.get(userId, sessionId);
    if (session === undefined || !isSessionLive(session, this.#now())) throw AuthErrors.AUTH_SESSION_NOT_FOUND();
    await this.#revokeSession(userId, sessionId, reason);
  }

  /** Revoke every session of the user but the caller's. Returns how many were revoked. */
  async revokeOthers(userId: string, currentSessionId: string, reason = 'revoked_by_user'): Promise<number> {
    return this.#revokeMany(userId, reason, currentSessionId);
  }

  /** Revoke every session of the user (password reset, admin action). Returns how many were revoked. */
  async revokeAllForUser(userId: string, reason: string): Promise<number> {
    return this.#revokeMany(userId, reason, undefined);
  }

  async #revokeMany(userId: string, reason: string, keep: string | undefined): Promise<number> {
    const sessions = await this.#sessions.listForUser(userId);
    let count = 0;
    for (const session of sessions) {
      if (session.id === keep) continue;
      if ((await this.#revokeSession(userId, session.id, reason)) !== undefined) count += 1;
    }
    return count;
  }

  /**
   * Deny first, then mark the record: if the process dies between the two, the tokens are already
   * dead and the record is merely stale. Audits only the call that actually revoked it.
   */
  async #revokeSession(userId: string, sessionId: string, reason: string): Promise<SessionRecord | undefined> {
    await this.#revocations.revoke({ kind: 'session', id: sessionId, expiresAt: this.#denyUntil() });
    const revoked = await this.#sessions.revoke(userId, sessionId, this.#now(), reason);
    if (revoked !== undefined) {
      this.#audit.record({
        type: 'session.revoked',
        outcome: 'success',
        actorId: userId,
        actorType: 'user',
        subjectId: sessionId,
        reason,
        ...(revoked.tenantId === undefined ? {} : { tenantId: revoked.tenantId }),
      });
    }
    return revoked;
  }

  async #reuseDetected(record: RefreshTokenRecord): Promise<never> {
    const revoked = await this.#revokeSession(record.userId, record.sessionId, 'refresh_token_reused');
    this.#audit.record({
      type: 'token.refresh_reuse_detected',
      outcome: 'failure',
      actorId: record.userId,
      actorType: 'user',
      subjectId: record.sessionId,
      reason: 'refresh_token_reused',
      ...(revoked?.tenantId === undefined ? {} : { tenantId: revoked.tenantId }),
    });
    throw AuthErrors.AUTH_REFRESH_REUSED();
  }

  #refreshRecord(token: { id: string; secretHash: string }, session: SessionRecord, now: number): RefreshTokenRecord {
    return {
      id: token.id,
      sessionId: session.id,
      userId: session.userId,
      secretHash: token.secretHash,
      createdAt: now,
      // Sliding: each refresh grants a fresh idle window, never past the session's absolute cap.
      expiresAt: Math.min(now + this.refreshTtlSeconds * 1000, session.expiresAt),
    };
  }

  #issue(user: SessionUser, session: SessionRecord, refreshToken: string): IssuedSession {
    const access = this.#accessTokens.sign({
      subject: user.id,
      sessionId: session.id,
      roles: user.roles,
      ...(user.tenantId === undefined ? {} : { tenantId: user.tenantId }),
      ...(session.amr === undefined ? {} : { amr: session.amr }),
    });
    return {
      pair: { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn },
      sessionId: session.id,
      userId: user.id,
      accessTokenId: access.tokenId,
      ...(user.tenantId === undefined ? {} : { tenantId: user.tenantId }),
    };
  }

  #denyUntil(): number {
    return this.#now() + this.#accessTokens.denyListTtlSeconds * 1000;
  }
}
