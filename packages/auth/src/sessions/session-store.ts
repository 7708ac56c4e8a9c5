/**
 * One signed-in device. Never holds a secret: refresh tokens live in their own store, hashed.
 * Times are epoch milliseconds.
 */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly tenantId?: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** The absolute cap: no refresh extends a session past this. */
  readonly expiresAt: number;
  readonly ip?: string;
  readonly userAgent?: string;
  /** Authentication methods used at sign-in (RFC 8176), carried into every access token. */
  readonly amr?: readonly string[];
  readonly revokedAt?: number;
  readonly revokedReason?: string;
}

/** What a refresh reports about the device. */
export interface SessionSeen {
  readonly at: number;
  readonly ip?: string;
  readonly userAgent?: string;
}

/**
 * Session records, always addressed with their user: ownership is part of the key, so a session id
 * of another user is simply not found (and in Redis a user's sessions share one hash slot).
 */
export interface SessionStore {
  /** Store a new session; it is forgotten at `expiresAt`. */
  create(record: SessionRecord): Promise<void>;
  /** The session (revoked or not) until it expires, or `undefined`. */
  get(userId: string, sessionId: string): Promise<SessionRecord | undefined>;
  /** The user's live sessions (not revoked, not expired), oldest first. */
  listForUser(userId: string): Promise<SessionRecord[]>;
  /** Record activity; `false` when the session is unknown or revoked (never un-revokes). */
  touch(userId: string, sessionId: string, seen: SessionSeen): Promise<boolean>;
  /**
   * Mark the session revoked, atomically. Returns the record when this call revoked it, `undefined`
   * when it was unknown or already revoked — so concurrent revocations count and audit once.
   */
  revoke(userId: string, sessionId: string, at: number, reason: string): Promise<SessionRecord | undefined>;
  close(): Promise<void>;
}

/** True when the session can still be used at `now`. */
export function isSessionLive(session: SessionRecord, now: number): boolean {
  return session.revokedAt === undefined && session.expiresAt > now;
}
