import { isKoaforgeError } from '@koaforge/core';
import { ResponseBodyError } from 'openid-client';
import { AuthErrors } from '../errors.js';
import type { OAuthTransaction } from './transaction.js';

/**
 * Who the provider says signed in. Built from verified sources only (a signature-checked ID token,
 * or the provider's API called with the access token we just obtained), never from the callback
 * URL. Contains no token or secret, so it may be logged or audited.
 */
export interface OAuthIdentity {
  /** The configured provider id (`google`, `github`, `wechat`, or your OIDC provider's id). */
  readonly provider: string;
  /** The provider's stable account id: OIDC `sub`, GitHub numeric id, WeChat unionid/openid. */
  readonly subject: string;
  /** Lower-cased and trimmed, when the provider gave one. */
  readonly email?: string;
  /** True only when the provider asserts it verified `email`. */
  readonly emailVerified: boolean;
  readonly name?: string;
  readonly username?: string;
  readonly picture?: string;
  /** The claims / profile the identity was built from, for apps that need more. */
  readonly profile: Readonly<Record<string, unknown>>;
}

/** What a provider needs to build its authorization URL. */
export interface AuthorizationRequest {
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  /** PKCE S256 challenge of the transaction's `codeVerifier`. */
  readonly codeChallenge: string;
}

/** What a provider gets on the callback, after the state cookie has been checked. */
export interface CallbackRequest {
  readonly redirectUri: string;
  /** The callback's query parameters, exactly as received. */
  readonly params: URLSearchParams;
  readonly transaction: OAuthTransaction;
}

/**
 * One identity provider. Implementations throw `AUTH_OAUTH_FAILED` (with the cause) for anything
 * that goes wrong talking to the provider or validating what it answered.
 */
export interface OAuthProvider {
  readonly id: string;
  /** Whether the provider takes PKCE (`false` only for providers that cannot, such as WeChat). */
  readonly usesPkce: boolean;
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  identify(callback: CallbackRequest): Promise<OAuthIdentity>;
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Provider ids are route segments and external-id keys: keep them short and URL-safe. */
export function assertProviderId(id: string): string {
  if (!PROVIDER_ID.test(id)) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth provider id "${id}" must match ${PROVIDER_ID.source}`);
  }
  return id;
}

/** `AUTH_OAUTH_FAILED` with a log-only message (502s never reach the client) and the cause. */
export function oauthFailed(message: string, cause?: unknown) {
  return AuthErrors.AUTH_OAUTH_FAILED(message, cause === undefined ? undefined : { cause });
}

/**
 * Token-endpoint answers that refuse the code itself (RFC 6749 §5.2 `invalid_grant`; GitHub's
 * `bad_verification_code`): an expired, used or altered code, or a PKCE verifier that does not
 * match. The request was wrong, not the provider: a 4xx the user fixes by signing in again.
 */
const REFUSED_GRANT = new Set(['invalid_grant', 'bad_verification_code']);

/**
 * `AUTH_OAUTH_GRANT_INVALID` (400). Its client-facing message is the catalogue's; `message` and the
 * provider's answer stay in the cause, for logs only.
 */
export function grantRefused(message: string, cause?: unknown) {
  return AuthErrors.AUTH_OAUTH_GRANT_INVALID(undefined, {
    cause: new Error(message, cause === undefined ? undefined : { cause }),
  });
}

/**
 * Run a provider step: koaforge errors pass through, a refused grant becomes
 * `AUTH_OAUTH_GRANT_INVALID` (400) and any other failure `AUTH_OAUTH_FAILED` (502).
 */
export async function providerStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isKoaforgeError(err)) throw err;
    if (err instanceof ResponseBodyError && REFUSED_GRANT.has(err.error)) {
      throw grantRefused(`${what}: the provider refused the code`, err);
    }
    throw oauthFailed(`${what} failed`, err);
  }
}

/** Lower-case and trim, as `AuthUser.email` expects; undefined for anything that is not an address. */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  return email.length > 0 && email.length <= 254 && email.includes('@') ? email : undefined;
}

/**
 * Require HTTPS for provider endpoints unless the caller opted into plain HTTP (local stand-ins
 * in tests): tokens and secrets travel on these requests.
 */
export function endpointUrl(value: string, label: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth ${label} "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth ${label} must use https (got ${url.protocol})`);
  }
  return url;
}
