/** What the deny-list holds: a whole session (every access token with that `sid`) or one token (`jti`). */
export type RevocationKind = 'session' | 'token';

export interface RevocationEntry {
  readonly kind: RevocationKind;
  readonly id: string;
  /**
   * Epoch ms after which the entry may be forgotten: when the longest-lived access token that could
   * carry this id has expired (revocation time + access lifetime + clock tolerance).
   */
  readonly expiresAt: number;
}

/**
 * The access-token deny-list. Access tokens are stateless, so revoking a session reaches its tokens
 * only through here; entries live exactly as long as a token they could match.
 */
export interface RevocationStore {
  revoke(entry: RevocationEntry): Promise<void>;
  /**
   * Whether the session or the token is denied. Synchronous when the answer is local (memory, or the
   * Redis store's synced mirror), so the hot path of a cached token stays free of awaits.
   */
  isRevoked(sessionId: string, tokenId: string): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/** `kind:id`, the member name both stores use. */
export function revocationMember(kind: RevocationKind, id: string): string {
  return kind === 'session' ? `s:${id}` : `t:${id}`;
}
