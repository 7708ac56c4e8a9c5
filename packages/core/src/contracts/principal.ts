/**
 * Contracts other packages fill or read through core, so they never import each other: auth puts a
 * `Principal` in the request context, tenant puts a `TenantRef`, rate limiting keys by either.
 */

/** Who is making the request, as established by an authenticator. */
export interface Principal {
  /** Stable id of the subject (user id, API key id, service name). */
  readonly id: string;
  /** What kind of subject this is. */
  readonly type: 'user' | 'apiKey' | 'service' | (string & {});
  /** The tenant the principal belongs to, when the app is multi-tenant. */
  readonly tenantId?: string;
  readonly roles?: readonly string[];
  readonly permissions?: readonly string[];
  /** Scopes granted to this credential (API keys, OAuth). */
  readonly scopes?: readonly string[];
  /** The session the credential belongs to, for revocation. */
  readonly sessionId?: string;
  /** Extra verified claims the authenticator wants to pass on. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The tenant a request belongs to, as established by the tenant resolver. */
export interface TenantRef {
  readonly id: string;
  readonly name?: string;
  /** How the tenant was decided (e.g. 'principal', 'header', 'subdomain'). */
  readonly source?: string;
  /**
   * True when an authenticated source (the principal) decided the tenant; false when only
   * unauthenticated hints (header, subdomain, path) named it, on an anonymous request. Code that
   * grants anything by tenant should require `verified`.
   */
  readonly verified?: boolean;
  readonly [key: string]: unknown;
}
