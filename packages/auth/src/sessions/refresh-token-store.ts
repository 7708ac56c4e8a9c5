/**
 * One refresh token. Only the SHA-256 of its secret is kept. A rotated token stays until it expires
 * so that presenting it again is recognised as reuse. Times are epoch milliseconds.
 */
export interface RefreshTokenRecord {
  readonly id: string;
  /** The session (token family) it belongs to. */
  readonly sessionId: string;
  readonly userId: string;
  /** base64url SHA-256 of the secret. */
  readonly secretHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Set once, by the one refresh that used it. */
  readonly rotatedAt?: number;
  /** The id of the token that replaced it. */
  readonly replacedBy?: string;
}

/** The outcome of the compare-and-set that consumes a refresh token. */
export type RotationOutcome = 'rotated' | 'already-rotated' | 'missing';

export interface RefreshTokenStore {
  /** Store a new token; it is forgotten at `expiresAt`. */
  save(record: RefreshTokenRecord): Promise<void>;
  find(id: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Consume the token atomically: mark it rotated by `replacedBy` only if nobody did before. Of any
   * number of concurrent calls for one id, exactly one gets `'rotated'`.
   */
  markRotated(id: string, replacedBy: string, at: number): Promise<RotationOutcome>;
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}
