import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { AuthErrors } from '../errors.js';
import { MemoryOAuthHandoffStore } from './stores/memory.js';

/**
 * What a one-time sign-in code stands for between the OAuth callback and the app's exchange.
 * Holds no token: the session is only opened when the code is redeemed.
 */
export interface OAuthHandoffGrant {
  readonly userId: string;
  readonly provider: string;
  readonly tenantId?: string;
  /** Hex SHA-256 of the browser binder (the hand-off cookie); the binder itself is never stored. */
  readonly binding: string;
  /** PKCE S256 challenge the client app sent to `/start`, when it sent one. */
  readonly clientChallenge?: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** Where codes wait to be redeemed. `consume` must read and delete in one step. */
export interface OAuthHandoffStore {
  /** Keep `grant` under `key` (a hex SHA-256 of the code) for `ttlMs`. */
  save(key: string, grant: OAuthHandoffGrant, ttlMs: number): Promise<void>;
  /** Return and delete the grant, or undefined when missing, expired or already redeemed. */
  consume(key: string): Promise<OAuthHandoffGrant | undefined>;
}

const grantSchema = z.object({
  userId: z.string().min(1).max(256),
  provider: z.string().min(1).max(64),
  tenantId: z.string().min(1).max(128).optional(),
  binding: z.string().regex(/^[0-9a-f]{64}$/),
  clientChallenge: z.string().length(43).optional(),
  createdAt: z.number().int().nonnegative(),
});

/** Decode a stored JSON value; anything unexpected counts as "no grant". */
export function decodeHandoffGrant(raw: string | null | undefined): OAuthHandoffGrant | undefined {
  if (raw === null || raw === undefined) return undefined;
  try {
    const parsed = grantSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface OAuthHandoffOptions {
  /** Default: a {@link MemoryOAuthHandoffStore} (one process). */
  store?: OAuthHandoffStore;
  /** How long a code may wait for its exchange. Default 60 s; 1 to 300. */
  ttlSeconds?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Answer of {@link OAuthHandoff.issue}: `code` goes to the app's URL, `binder` into a cookie. */
export interface IssuedHandoff {
  readonly code: string;
  readonly binder: string;
  readonly maxAgeSeconds: number;
}

const RANDOM_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43–128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function codeInvalid(): Error {
  return AuthErrors.AUTH_OAUTH_CODE_INVALID();
}

/**
 * Hands a finished OAuth sign-in to the app without putting a token in a URL. The callback
 * `issue`s a one-time code (256 bits, stored only as its SHA-256, 60 s, single use) that travels to
 * the app's return URL, and a binder that goes into an `HttpOnly` cookie of the browser that
 * signed in. `redeem` takes the code, the cookie and — when the app sent a PKCE challenge to
 * `/start` — its verifier, and answers the grant; the caller then opens the session. A code that
 * leaks (history, logs, a shoulder) is useless without that browser's cookie; a code an attacker
 * plants in a victim's browser is useless with the victim's cookie.
 *
 * @example
 * const handoff = new OAuthHandoff({ store: new RedisOAuthHandoffStore({ connection }) });
 * const { code, binder } = await handoff.issue({ userId: user.id, provider: 'google' });
 * // later, POST /exchange {code}
 * const grant = await handoff.redeem(body.code, cookieBinder, body.codeVerifier);
 */
export class OAuthHandoff {
  readonly ttlSeconds: number;
  readonly #store: OAuthHandoffStore;
  readonly #now: () => number;

  constructor(options: OAuthHandoffOptions = {}) {
    const ttl = options.ttlSeconds ?? 60;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 300) {
      throw AuthErrors.AUTH_CONFIG_INVALID('OAuth hand-off ttlSeconds must be an integer from 1 to 300');
    }
    this.ttlSeconds = ttl;
    this.#store = options.store ?? new MemoryOAuthHandoffStore();
    this.#now = options.now ?? Date.now;
  }

  /** Make a code for a user who has just signed in at a provider. */
  async issue(input: {
    userId: string;
    provider: string;
    tenantId?: string | undefined;
    clientChallenge?: string | undefined;
  }): Promise<IssuedHandoff> {
    const code = randomBytes(32).toString('base64url');
    const binder = randomBytes(32).toString('base64url');
    const grant: OAuthHandoffGrant = {
      userId: input.userId,
      provider: input.provider,
      binding: sha256(binder).toString('hex'),
      createdAt: this.#now(),
      ...(input.tenantId === undefined ? {} : { tenantId: input.tenantId }),
      ...(input.clientChallenge === undefined ? {} : { clientChallenge: input.clientChallenge }),
    };
    await this.#store.save(sha256(code).toString('hex'), grant, this.ttlSeconds * 1000);
    return { code, binder, maxAgeSeconds: this.ttlSeconds };
  }

  /**
   * Redeem a code. It is consumed before anything is compared, so a wrong cookie or verifier burns
   * it too (whoever tries a stolen code ends it). Unknown, used, expired, unbound or mismatched →
   * `AUTH_OAUTH_CODE_INVALID` (400), one answer for all.
   */
  async redeem(code: unknown, binder: string | undefined, codeVerifier?: unknown): Promise<OAuthHandoffGrant> {
    if (typeof code !== 'string' || !RANDOM_TOKEN.test(code)) throw codeInvalid();
    const grant = await this.#store.consume(sha256(code).toString('hex'));
    if (grant === undefined || this.#now() - grant.createdAt > this.ttlSeconds * 1000) throw codeInvalid();
    if (binder === undefined || !RANDOM_TOKEN.test(binder)) throw codeInvalid();
    if (!timingSafeEqual(sha256(binder), Buffer.from(grant.binding, 'hex'))) throw codeInvalid();
    if (grant.clientChallenge !== undefined) {
      if (typeof codeVerifier !== 'string' || !VERIFIER.test(codeVerifier)) throw codeInvalid();
      // RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge; compared as digests (equal length).
      const challenge = sha256(codeVerifier).toString('base64url');
      if (!timingSafeEqual(sha256(challenge), sha256(grant.clientChallenge))) throw codeInvalid();
    }
    return grant;
  }
}
