import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthErrors } from '../errors.js';
import type { RevocationStore } from '../sessions/revocation-store.js';
import {
  type AccessTokenClaims,
  type AccessTokenInput,
  checkAccessClaims,
  deepFreeze,
  type IssuedAccessToken,
  principalFromClaims,
  RESERVED_CLAIMS,
  type VerifiedAccessToken,
} from './access-claims.js';
import type { KeyRing, RingKey } from './key-ring.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface AccessTokenServiceOptions {
  keys: KeyRing;
  /** `iss` written and required. */
  issuer: string;
  /** `aud` written and required. */
  audience: string;
  /** Access-token lifetime in seconds. Default 900 (15 min). */
  ttlSeconds?: number;
  /** Clock skew accepted on `exp`, `nbf` and `iat`, in seconds. Default 5, at most 60. */
  clockToleranceSeconds?: number;
  /** Tokens longer than this are refused before any parsing. Default 8192. */
  maxTokenBytes?: number;
  /** The deny-list checked on every verification, cached or not. */
  revocations?: Pick<RevocationStore, 'isRevoked'>;
  /** Entries of the verified-token cache; `0` turns it off. Default 10 000. */
  cacheSize?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
}

const DEFAULT_TTL = 900;
const MAX_TOLERANCE = 60;
/** Three base64url segments, nothing else: rules out 1/2/4-part tokens, padding and stray bytes in one linear pass. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const { TokenExpiredError } = jwt;

function configError(message: string): Error {
  return AuthErrors.AUTH_CONFIG_INVALID(`auth access tokens: ${message}`);
}

/** The protected header, parsed by us before jsonwebtoken sees the token, or `undefined` when it is not a JSON object. */
function parseHeader(segment: string): Record<string, unknown> | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const invalid = () => AuthErrors.AUTH_TOKEN_INVALID();

/**
 * Signs and verifies access tokens: jsonwebtoken for the signature, wrapped in the checks it leaves
 * out. See {@link AccessTokenService.verify} for the list.
 *
 * @example
 * const tokens = new AccessTokenService({ keys, issuer: 'https://api.example.com', audience: 'api' });
 * const { token } = tokens.sign({ subject: user.id, sessionId: session.id, roles: user.roles });
 * const { principal } = await tokens.verify(token);
 */
export class AccessTokenService {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly maxTokenBytes: number;
  readonly #keys: KeyRing;
  readonly #revocations: Pick<RevocationStore, 'isRevoked'> | undefined;
  readonly #cache: VerifiedTokenCache | undefined;
  readonly #now: () => number;

  constructor(options: AccessTokenServiceOptions) {
    const { issuer, audience } = options;
    if (typeof issuer !== 'string' || issuer === '') throw configError('issuer is required');
    if (typeof audience !== 'string' || audience === '') throw configError('audience is required');
    const ttl = options.ttlSeconds ?? DEFAULT_TTL;
    if (!Number.isInteger(ttl) || ttl < 1) throw configError('ttlSeconds must be a positive integer');
    const tolerance = options.clockToleranceSeconds ?? 5;
    if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > MAX_TOLERANCE) {
      throw configError(`clockToleranceSeconds must be an integer from 0 to ${MAX_TOLERANCE}`);
    }
    const maxBytes = options.maxTokenBytes ?? 8192;
    if (!Number.isInteger(maxBytes) || maxBytes < 256) throw configError('maxTokenBytes must be an integer >= 256');
    this.#keys = options.keys;
    this.issuer = issuer;
    this.audience = audience;
    this.ttlSeconds = ttl;
    this.clockToleranceSeconds = tolerance;
    this.maxTokenBytes = maxBytes;
    this.#revocations = options.revocations;
    const cacheSize = options.cacheSize ?? 10_000;
    this.#cache = cacheSize > 0 ? new VerifiedTokenCache(cacheSize) : undefined;
    this.#now = options.now ?? Date.now;
  }

  /**
   * How long a deny-list entry must live to outlast every access token it could match, in seconds:
   * the lifetime plus the clock tolerance a verifier grants after `exp`.
   */
  get denyListTtlSeconds(): number {
    return this.ttlSeconds + this.clockToleranceSeconds;
  }

  /** Sign an access token with the ring's active key. */
  sign(input: AccessTokenInput): IssuedAccessToken {
    const key = this.#keys.active;
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + this.ttlSeconds;
    const jti = randomUUID();
    const payload: Record<string, unknown> = {};
    if (input.claims !== undefined) {
      for (const [name, value] of Object.entries(input.claims)) {
        if (RESERVED_CLAIMS.has(name)) throw new TypeError(`AccessTokenService.sign: claim "${name}" is reserved`);
        payload[name] = value;
      }
    }
    Object.assign(payload, {
      sub: input.subject,
      sid: input.sessionId,
      jti,
      typ: 'access',
      iss: this.issuer,
      aud: this.audience,
      iat,
      exp,
    });
    if (input.tenantId !== undefined) payload.tid = input.tenantId;
    if (input.roles !== undefined) payload.roles = [...input.roles];
    if (input.amr !== undefined) payload.amr = [...input.amr];
    const token = jwt.sign(payload, key.signKey, {
      algorithm: key.alg,
      keyid: key.kid,
      header: { alg: key.alg, typ: 'JWT' },
    });
    return { token, tokenId: jti, expiresAt: exp, expiresIn: this.ttlSeconds };
  }

  /**
   * Verify an access token. Beyond jsonwebtoken's signature check this:
   * - refuses tokens over `maxTokenBytes` and anything but three base64url segments before parsing;
   * - looks the key up by `kid` only (unknown, overlong or non-string kid → invalid) and demands the
   *   header's `alg` be that key's own and on the allow-list: no `none`, no HS/RS confusion;
   * - never reads `jku`, `x5u`, `jwk` or `x5c`: keys come from the ring, never from the token;
   * - refuses `crit` (we understand no extension, RFC 7515 §4.1.11);
   * - requires `exp`, `iat`, `iss`, `aud`, `sub`, `jti`, `sid` and `typ: 'access'`, a lifetime no
   *   longer than ours, `iat` not in the future and `nbf` (when present) reached;
   * - stops accepting a key's tokens after its `notAfter`;
   * - checks the deny-list (`sid`, `jti`) every time, cached or not.
   *
   * Rejects with `AUTH_TOKEN_EXPIRED`, `AUTH_TOKEN_REVOKED` or `AUTH_TOKEN_INVALID`, never anything
   * else for a bad token.
   */
  async verify(token: string): Promise<VerifiedAccessToken> {
    const cached = this.verifyCached(token);
    if (cached !== undefined) return cached;
    const nowMs = this.#now();
    const { claims, key } = this.#verifySignedToken(token, nowMs);
    const denied = this.#denied(claims);
    if (denied === true || (denied !== false && (await denied))) throw AuthErrors.AUTH_TOKEN_REVOKED();
    const verified: VerifiedAccessToken = Object.freeze({
      claims,
      principal: principalFromClaims(claims),
      sessionId: claims.sid,
      tokenId: claims.jti,
    });
    this.#cache?.set(token, { verified, exp: claims.exp, keyNotAfter: key.notAfter });
    return verified;
  }

  /**
   * The synchronous path of `verify` for a token verified before (the common case: a client sends
   * the same token until it expires): checks `exp`, the key's `notAfter` and the deny-list, and
   * answers without a promise — on Node 20 every promise is hooked by AsyncLocalStorage, so the
   * hot path of a protected route avoids them. Returns `undefined` when the token is not cached or
   * the deny-list can only answer asynchronously; then call `verify`. Throws like `verify`.
   */
  verifyCached(token: string): VerifiedAccessToken | undefined {
    if (typeof token !== 'string' || token.length > this.maxTokenBytes) throw invalid();
    const cached = this.#cache?.get(token);
    if (cached === undefined) return undefined;
    const nowMs = this.#now();
    if (Math.floor(nowMs / 1000) >= cached.exp + this.clockToleranceSeconds) {
      this.#cache?.delete(token);
      throw AuthErrors.AUTH_TOKEN_EXPIRED();
    }
    if (nowMs > cached.keyNotAfter) {
      this.#cache?.delete(token);
      throw invalid();
    }
    const denied = this.#denied(cached.verified.claims);
    if (denied === true) throw AuthErrors.AUTH_TOKEN_REVOKED();
    if (denied !== false) return undefined;
    return cached.verified;
  }

  #verifySignedToken(token: string, nowMs: number): { claims: AccessTokenClaims; key: RingKey } {
    if (!COMPACT_JWS.test(token)) throw invalid();
    const header = parseHeader(token.slice(0, token.indexOf('.')));
    if (header === undefined || header.crit !== undefined) throw invalid();
    const key = this.#keys.get(header.kid);
    // The key decides the algorithm; the header only has to agree with it.
    if (key === undefined || header.alg !== key.alg || !this.#keys.algorithms.has(key.alg)) throw invalid();
    if (nowMs > key.notAfter) throw invalid();
    const nowSeconds = Math.floor(nowMs / 1000);
    let payload: unknown;
    try {
      payload = jwt.verify(token, key.verifyKey, {
        algorithms: [key.alg],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: this.clockToleranceSeconds,
        clockTimestamp: nowSeconds,
      });
    } catch (err) {
      // jsonwebtoken checks the signature before exp, so "expired" is only said of genuine tokens.
      throw err instanceof TokenExpiredError ? AuthErrors.AUTH_TOKEN_EXPIRED() : invalid();
    }
    const claims = checkAccessClaims(payload, nowSeconds, this.clockToleranceSeconds, this.ttlSeconds);
    if (claims === undefined) throw invalid();
    return { claims: deepFreeze(claims), key };
  }

  /** The deny-list's answer, left synchronous when it is (no promise on the hot path). */
  #denied(claims: AccessTokenClaims): boolean | Promise<boolean> {
    return this.#revocations === undefined ? false : this.#revocations.isRevoked(claims.sid, claims.jti);
  }

  /** Forget every cached verification (after rotating keys out early, in tests). */
  clearCache(): void {
    this.#cache?.clear();
  }
}
