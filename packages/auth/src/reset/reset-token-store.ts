/** What a stored reset token maps to. The token itself is never stored, only its SHA-256. */
export interface ResetTokenRecord {
  readonly userId: string;
  /** Ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Storage of password-reset tokens by hash. Each user has at most one live token: `put` makes
 * the new one the user's current token and every older one stops working.
 */
export interface ResetTokenStore {
  /** Store a token hash; it becomes `record.userId`'s only valid token. Kept at most `ttlMs`. */
  put(tokenHash: string, record: ResetTokenRecord, ttlMs: number): Promise<void>;
  /**
   * Remove and return the record, atomically: of any number of concurrent calls with one hash,
   * exactly one gets the record. A token superseded by a newer `put` gives `undefined`.
   */
  take(tokenHash: string): Promise<ResetTokenRecord | undefined>;
  /** Void the user's current token (e.g. after the password changed another way). */
  voidForUser(userId: string): Promise<void>;
}
