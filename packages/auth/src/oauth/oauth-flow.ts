import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CoreErrors } from '@koaforge/core';
import * as client from 'openid-client';
import { AuthErrors } from '../errors.js';
import type { OAuthIdentity, OAuthProvider } from './provider.js';
import { createReturnToValidator, type ReturnToOptions, type ReturnToValidator } from './return-to.js';
import { MemoryOAuthTransactionStore } from './stores/memory.js';
import type { OAuthTransaction, OAuthTransactionStore } from './transaction.js';

export interface OAuthFlowOptions {
  providers: readonly OAuthProvider[];
  /**
   * The public URL at which the router's root is reachable (`https://app.example.com`, or
   * `https://example.com/api` behind a path). Redirect URIs are built from it, never from the
   * request's Host header, which the client controls.
   */
  publicUrl: string;
  /** Route prefix. Default `/auth/oauth`: callbacks are `<publicUrl>/auth/oauth/<provider>/callback`. */
  prefix?: string;
  /** Default: a {@link MemoryOAuthTransactionStore} (one process). */
  transactions?: OAuthTransactionStore;
  /** Post-login redirect policy. */
  returnTo?: ReturnToOptions;
  /** How long a user has to finish signing in at the provider. Default 600 s, at most 3600 s. */
  transactionTtlSeconds?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Answer of {@link OAuthFlow.start}: send the browser to `url` with the transaction cookie. */
export interface OAuthStart {
  readonly url: URL;
  /** The cookie value: 256 random bits; the store only ever sees its SHA-256. */
  readonly transactionId: string;
  readonly maxAgeSeconds: number;
}

/** What `/start` may add to a transaction besides the return target. */
export interface OAuthStartExtras {
  /** A tenant id (1–128 of `[A-Za-z0-9._:-]`) scoping the account lookup; else 422 `VALIDATION_FAILED`. */
  tenantId?: unknown;
  /** The client app's PKCE S256 challenge (43 base64url characters); else 422 `VALIDATION_FAILED`. */
  clientChallenge?: unknown;
}

export interface OAuthCompletion {
  readonly identity: OAuthIdentity;
  readonly returnTo: string;
  readonly tenantId?: string;
  readonly clientChallenge?: string;
}

const TRANSACTION_ID = /^[A-Za-z0-9_-]{43}$/;
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/**
 * Error answers (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6) that mean the user, not the provider, said
 * no: cancelled, or could not or would not sign in or consent. Everything else is the provider's.
 */
const DENIED = new Set([
  'access_denied',
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);
const PREFIX = /^(?:\/[A-Za-z0-9._~-]+)*$/;
const MAX_STATE_LENGTH = 512;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function stateInvalid(): Error {
  return AuthErrors.AUTH_OAUTH_STATE_INVALID();
}

function optionalParam(value: unknown, pattern: RegExp, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw CoreErrors.VALIDATION_FAILED(undefined, {
    details: { issues: [{ path: name, code: 'invalid_format', message: `${name} is malformed` }] },
  });
}

/** The provider's error answer on the callback, once state has proven it ours. */
function providerRefusal(error: string): Error {
  if (DENIED.has(error)) return AuthErrors.AUTH_OAUTH_DENIED();
  // Only a bounded, printable code reaches the log message.
  const shown = /^[\x20-\x7e]{1,64}$/.test(error) ? error : '(malformed)';
  return AuthErrors.AUTH_OAUTH_FAILED(`the provider answered error "${shown}"`);
}

/** Origin and path (without trailing slash; `''` at the root) of the public URL. */
function parsePublicUrl(value: string): { origin: string; path: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth publicUrl "${value}" is not a URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw AuthErrors.AUTH_CONFIG_INVALID('OAuth publicUrl must be an http(s) URL without query or fragment');
  }
  return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
}

/**
 * The authorization-code flow, without HTTP: `start` makes a transaction (state, nonce, PKCE
 * verifier, return target) and the provider URL; `finish` consumes the transaction named by the
 * browser's cookie, checks `state`, and has the provider exchange the code and identify the user.
 * {@link mountOAuthRoutes} puts it behind two routes.
 *
 * @example
 * const flow = new OAuthFlow({ providers: [github], publicUrl: 'https://app.example.com' });
 * const { url, transactionId } = await flow.start('github', '/welcome');
 */
export class OAuthFlow {
  readonly prefix: string;
  /** Browser-visible path of the routes (public URL path + prefix), for the cookie's `Path`. */
  readonly cookiePath: string;
  readonly ttlSeconds: number;
  readonly #providers: ReadonlyMap<string, OAuthProvider>;
  readonly #base: string;
  readonly #store: OAuthTransactionStore;
  readonly #returnTo: ReturnToValidator;
  readonly #now: () => number;

  constructor(options: OAuthFlowOptions) {
    const providers = new Map<string, OAuthProvider>();
    for (const provider of options.providers) {
      if (providers.has(provider.id)) {
        throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth provider id "${provider.id}" is used twice`);
      }
      providers.set(provider.id, provider);
    }
    this.#providers = providers;
    this.prefix = (options.prefix ?? '/auth/oauth').replace(/\/+$/, '');
    if (!PREFIX.test(this.prefix)) throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth prefix "${this.prefix}" is not a path`);
    const publicUrl = parsePublicUrl(options.publicUrl);
    this.#base = publicUrl.origin + publicUrl.path + this.prefix;
    this.cookiePath = publicUrl.path + this.prefix || '/';
    const ttl = options.transactionTtlSeconds ?? 600;
    if (!Number.isInteger(ttl) || ttl < 30 || ttl > 3600) {
      throw AuthErrors.AUTH_CONFIG_INVALID('OAuth transactionTtlSeconds must be an integer from 30 to 3600');
    }
    this.ttlSeconds = ttl;
    this.#store = options.transactions ?? new MemoryOAuthTransactionStore();
    this.#returnTo = createReturnToValidator(options.returnTo);
    this.#now = options.now ?? Date.now;
  }

  /** Ids of the configured providers, in configuration order. */
  get providerIds(): string[] {
    return [...this.#providers.keys()];
  }

  /** The redirect URI to register at the provider. */
  redirectUri(providerId: string): string {
    return `${this.#base}/${providerId}/callback`;
  }

  /** Apply the return-to policy (throws `AUTH_OAUTH_REDIRECT_INVALID`). */
  validateReturnTo(raw: unknown): string {
    return this.#returnTo(raw);
  }

  /** Begin a sign-in. The return target is checked first, so a refused one leaves nothing stored. */
  async start(providerId: string, rawReturnTo?: unknown, extras: OAuthStartExtras = {}): Promise<OAuthStart> {
    const provider = this.#providers.get(providerId);
    if (provider === undefined) throw AuthErrors.AUTH_CONFIG_INVALID(`No OAuth provider "${providerId}"`);
    const returnTo = this.#returnTo(rawReturnTo);
    const tenantId = optionalParam(extras.tenantId, TENANT_ID, 'tenant');
    const clientChallenge = optionalParam(extras.clientChallenge, CHALLENGE, 'codeChallenge');
    const transactionId = randomBytes(32).toString('base64url');
    const codeVerifier = client.randomPKCECodeVerifier();
    const tx: OAuthTransaction = {
      provider: provider.id,
      // Hex: WeChat accepts only [a-zA-Z0-9] in state.
      state: randomBytes(32).toString('hex'),
      nonce: client.randomNonce(),
      codeVerifier,
      returnTo,
      createdAt: this.#now(),
      ...(tenantId === undefined ? {} : { tenantId }),
      ...(clientChallenge === undefined ? {} : { clientChallenge }),
    };
    const url = await provider.authorizationUrl({
      redirectUri: this.redirectUri(provider.id),
      state: tx.state,
      nonce: tx.nonce,
      codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier),
    });
    await this.#store.save(digest(transactionId).toString('hex'), tx, this.ttlSeconds * 1000);
    return { url, transactionId, maxAgeSeconds: this.ttlSeconds };
  }

  /**
   * Complete a sign-in from the callback's query and the cookie's transaction id. The transaction
   * is consumed before anything is compared, so every callback — good, forged or replayed — uses
   * it up. Missing, unknown, expired, used, other-provider or wrong-state → `AUTH_OAUTH_STATE_INVALID`
   * (400); the user cancelled or refused at the provider → `AUTH_OAUTH_DENIED` (403); the provider
   * refused the code → `AUTH_OAUTH_GRANT_INVALID` (400); anything the provider gets wrong →
   * `AUTH_OAUTH_FAILED` (502).
   */
  async finish(
    providerId: string,
    transactionId: string | undefined,
    params: URLSearchParams,
  ): Promise<OAuthCompletion> {
    const provider = this.#providers.get(providerId);
    if (provider === undefined || transactionId === undefined || !TRANSACTION_ID.test(transactionId)) {
      throw stateInvalid();
    }
    const tx = await this.#store.consume(digest(transactionId).toString('hex'));
    if (tx === undefined || tx.provider !== provider.id) throw stateInvalid();
    if (this.#now() - tx.createdAt > this.ttlSeconds * 1000) throw stateInvalid();
    const states = params.getAll('state');
    const state = states[0];
    if (states.length !== 1 || state === undefined || state.length > MAX_STATE_LENGTH) throw stateInvalid();
    // Compare digests: equal length for timingSafeEqual, and no timing hint about the stored state.
    if (!timingSafeEqual(digest(state), digest(tx.state))) throw stateInvalid();
    const error = params.get('error');
    if (error !== null) throw providerRefusal(error);
    const identity = await provider.identify({ redirectUri: this.redirectUri(provider.id), params, transaction: tx });
    return {
      identity,
      returnTo: tx.returnTo,
      ...(tx.tenantId === undefined ? {} : { tenantId: tx.tenantId }),
      ...(tx.clientChallenge === undefined ? {} : { clientChallenge: tx.clientChallenge }),
    };
  }
}
