/** What password reset and admin tools need from the session service. */
export interface SessionRevoker {
  /** Revoke every session of the user; their access tokens stop working (deny-list) too. */
  revokeAllForUser(userId: string, reason: string): Promise<number>;
}
