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

/** Run a provider step, turning any non-koaforge failure into `AUTH_OAUTH_FAILED`. */
export async function providerStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (AuthErrors.AUTH_OAUTH_FAILED.is(err)) throw err;
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
