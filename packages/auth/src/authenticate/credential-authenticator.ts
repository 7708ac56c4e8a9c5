import type { AuthenticationInput, Authenticator, Principal } from '@koaforge/core';
import { AuthErrors } from '../errors.js';
import type { AccessTokenService } from '../tokens/access-token-service.js';

/** Verifies `X-Api-Key` values; supplied by whoever owns API keys. Throws a 401 catalogue error for a bad key. */
export interface ApiKeyVerifier {
  verify(key: string): Promise<Principal>;
}

/** Who made the request, as `ctx.state.auth` carries it. */
export interface AuthState {
  readonly principal: Principal;
  /** The session of a bearer token; absent for API keys. */
  readonly sessionId?: string;
  /** The `jti` of a bearer token; absent for API keys. */
  readonly tokenId?: string;
}

export interface CredentialAuthenticatorOptions {
  accessTokens: Pick<AccessTokenService, 'verify'> & Partial<Pick<AccessTokenService, 'verifyCached'>>;
  apiKeyVerifier?: ApiKeyVerifier;
  /** The `realm` of `WWW-Authenticate`. Default `api`. */
  realm?: string;
}

type Headers = AuthenticationInput['headers'];

/** `resolveCached` could not decide synchronously. */
export const SLOW: unique symbol = Symbol('slow');

/** RFC 6750 §2.1: `Bearer` 1*SP b64token (scheme case-insensitive). */
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const BEARER_SCHEME_RE = /^Bearer(?: |$)/i;
const REALM_RE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

function single(value: string | string[] | undefined): string | undefined | null {
  if (value === undefined) return undefined;
  // A repeated header is two credentials: ambiguous, refused.
  return typeof value === 'string' ? value : null;
}

/**
 * Finds and checks the credential of a request: `Authorization: Bearer <access token>`, a `token`
 * given outside the headers (WebSocket `?token=`), or `X-Api-Key` (delegated to the injected
 * verifier). Answers `undefined` when there is no credential at all; throws a 401 carrying
 * `WWW-Authenticate` (RFC 6750 §3) for a bad one. Registered under core's `AuthenticatorToken` so
 * realtime and others authenticate the same way HTTP does.
 *
 * @example
 * container.register(AuthenticatorToken, { useValue: new CredentialAuthenticator({ accessTokens }) });
 */
export class CredentialAuthenticator implements Authenticator {
  /** `WWW-Authenticate` for a request that sent no credential: no `error` attribute (RFC 6750 §3.1). */
  readonly challenge: string;
  readonly #invalidChallenge: string;
  readonly #requestChallenge: string;
  readonly #accessTokens: CredentialAuthenticatorOptions['accessTokens'];
  readonly #apiKeys: ApiKeyVerifier | undefined;

  constructor(options: CredentialAuthenticatorOptions) {
    const realm = options.realm ?? 'api';
    if (!REALM_RE.test(realm))
      throw new TypeError(`CredentialAuthenticator: realm "${realm}" is not a plain quoted-string`);
    this.challenge = `Bearer realm="${realm}"`;
    this.#invalidChallenge = `${this.challenge}, error="invalid_token"`;
    this.#requestChallenge = `${this.challenge}, error="invalid_request"`;
    this.#accessTokens = options.accessTokens;
    this.#apiKeys = options.apiKeyVerifier;
  }

  async authenticate(input: AuthenticationInput): Promise<Principal | undefined> {
    return (await this.resolve(input.headers, input.token))?.principal;
  }

  /** Like `authenticate`, with the session and token ids the middleware puts on `ctx.state.auth`. */
  async resolve(headers: Headers, outsideToken?: string): Promise<AuthState | undefined> {
    const authorization = single(headers.authorization);
    const apiKey = this.#apiKeys === undefined ? undefined : single(headers['x-api-key']);
    const bearer = authorization !== undefined && authorization !== null && BEARER_SCHEME_RE.test(authorization);
    const sent = (bearer ? 1 : 0) + (outsideToken === undefined ? 0 : 1) + (apiKey === undefined ? 0 : 1);
    // RFC 6750 §2: one credential per request; two (or a repeated header) is a malformed request.
    if (sent > 1 || authorization === null || apiKey === null) throw this.#malformed();
    if (bearer) {
      const match = BEARER_RE.exec(authorization!);
      if (match === null)
        throw AuthErrors.AUTH_TOKEN_INVALID(undefined, { headers: { 'WWW-Authenticate': this.#invalidChallenge } });
      return this.#verifyBearer(match[1]!);
    }
    if (outsideToken !== undefined) return this.#verifyBearer(outsideToken);
    if (apiKey !== undefined) return { principal: await this.#apiKeys!.verify(apiKey) };
    return undefined;
  }

  /**
   * The promise-free path of `resolve` for the common request: a lone `Authorization: Bearer` with
   * a token already verified and cached. Returns `SLOW` when `resolve` must decide (no bearer
   * header, other credentials, an uncached token, a deny-list that answers asynchronously).
   * Throws the same 401s as `resolve`.
   */
  resolveCached(headers: Headers): AuthState | typeof SLOW {
    const verifyCached = this.#accessTokens.verifyCached;
    const authorization = headers.authorization;
    if (verifyCached === undefined || typeof authorization !== 'string') return SLOW;
    if (headers['x-api-key'] !== undefined) return SLOW;
    const match = BEARER_RE.exec(authorization);
    if (match === null) return SLOW;
    let verified: ReturnType<typeof verifyCached>;
    try {
      verified = verifyCached.call(this.#accessTokens, match[1]!);
    } catch (err) {
      throw this.#withChallenge(err);
    }
    if (verified === undefined) return SLOW;
    return { principal: verified.principal, sessionId: verified.sessionId, tokenId: verified.tokenId };
  }

  /** The 401 for a request without credentials where they are required. */
  required(): Error {
    return AuthErrors.AUTH_REQUIRED(undefined, { headers: { 'WWW-Authenticate': this.challenge } });
  }

  async #verifyBearer(token: string): Promise<AuthState> {
    try {
      const verified = await this.#accessTokens.verify(token);
      return { principal: verified.principal, sessionId: verified.sessionId, tokenId: verified.tokenId };
    } catch (err) {
      throw this.#withChallenge(err);
    }
  }

  #withChallenge(err: unknown): unknown {
    const headers = { 'WWW-Authenticate': this.#invalidChallenge };
    if (AuthErrors.AUTH_TOKEN_EXPIRED.is(err)) return AuthErrors.AUTH_TOKEN_EXPIRED(undefined, { headers });
    if (AuthErrors.AUTH_TOKEN_REVOKED.is(err)) return AuthErrors.AUTH_TOKEN_REVOKED(undefined, { headers });
    if (AuthErrors.AUTH_TOKEN_INVALID.is(err)) return AuthErrors.AUTH_TOKEN_INVALID(undefined, { headers });
    // Not a verdict on the token (e.g. the deny-list's Redis is down): let it surface as it is.
    return err;
  }

  #malformed(): Error {
    return AuthErrors.AUTH_TOKEN_INVALID(undefined, { headers: { 'WWW-Authenticate': this.#requestChallenge } });
  }
}
