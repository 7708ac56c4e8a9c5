import type { Principal } from '@koaforge/core';

/** The claims of an access token koaforge issues. Every one of the registered claims is required. */
export interface AccessTokenClaims {
  readonly sub: string;
  /** The session (device) the token belongs to: revoking the session denies the token. */
  readonly sid: string;
  readonly jti: string;
  /** Always `'access'`: refresh tokens, reset tokens and anything else signed by the same keys are refused. */
  readonly typ: 'access';
  readonly iss: string;
  readonly aud: string | readonly string[];
  readonly iat: number;
  readonly exp: number;
  readonly nbf?: number;
  /** Tenant id. */
  readonly tid?: string;
  readonly roles?: readonly string[];
  /** Authentication methods used at sign-in (RFC 8176), e.g. `['pwd', 'otp']`. */
  readonly amr?: readonly string[];
  readonly [claim: string]: unknown;
}

/** What a caller gives to sign an access token. */
export interface AccessTokenInput {
  /** The user id (`sub`). */
  subject: string;
  /** The session id (`sid`). */
  sessionId: string;
  tenantId?: string;
  roles?: readonly string[];
  amr?: readonly string[];
  /** Extra claims; registered and reserved names (`sub`, `exp`, `typ`, `roles`, ...) are refused. */
  claims?: Readonly<Record<string, unknown>>;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly tokenId: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** Seconds from now, as OAuth's `expires_in`. */
  readonly expiresIn: number;
}

/** The outcome of a successful verification. Frozen; shared by every request that presents the token. */
export interface VerifiedAccessToken {
  readonly claims: AccessTokenClaims;
  readonly principal: Principal;
  readonly sessionId: string;
  readonly tokenId: string;
}

export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'sub',
  'sid',
  'jti',
  'typ',
  'iss',
  'aud',
  'iat',
  'exp',
  'nbf',
  'tid',
  'roles',
  'amr',
]);

const MAX_ID_LENGTH = 256;

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Checks jsonwebtoken leaves to the caller: it only checks `exp`, `nbf`, `iss` and `aud` when they
 * are present or asked for, and knows nothing of `sid`, `jti` or `typ`. Returns the claims when they
 * are all there and well-formed, `undefined` otherwise.
 */
export function checkAccessClaims(
  payload: unknown,
  nowSeconds: number,
  toleranceSeconds: number,
  maxLifetimeSeconds: number,
): AccessTokenClaims | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const c = payload as Record<string, unknown>;
  if (c.typ !== 'access') return undefined;
  if (!isId(c.sub) || !isId(c.sid) || !isId(c.jti) || typeof c.iss !== 'string') return undefined;
  if (!(typeof c.aud === 'string' || isStringList(c.aud))) return undefined;
  const { iat, exp } = c;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) {
    return undefined;
  }
  // Issued in the future: a clock gone wrong or a forged iat; either way not ours to trust.
  if (iat > nowSeconds + toleranceSeconds) return undefined;
  // A lifetime longer than ours would outlive its deny-list entry (kept for exactly our lifetime).
  if (exp <= iat || exp - iat > maxLifetimeSeconds) return undefined;
  if (c.tid !== undefined && !isId(c.tid)) return undefined;
  if (c.roles !== undefined && !isStringList(c.roles)) return undefined;
  if (c.amr !== undefined && !isStringList(c.amr)) return undefined;
  return c as AccessTokenClaims;
}

/**
 * Freeze the claims all the way down: one verified token is shared by every request presenting it
 * (the cache), so a handler pushing onto `roles` must not widen the next request's principal.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The principal a verified token stands for. */
export function principalFromClaims(claims: AccessTokenClaims): Principal {
  const principal: { -readonly [K in keyof Principal]: Principal[K] } = {
    id: claims.sub,
    type: 'user',
    sessionId: claims.sid,
    claims,
  };
  if (claims.tid !== undefined) principal.tenantId = claims.tid;
  if (claims.roles !== undefined) principal.roles = claims.roles;
  return Object.freeze(principal);
}
