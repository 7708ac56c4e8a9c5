import { clientIp, currentContext, type Principal } from '@koaforge/core';
import { AuthErrors } from '../errors.js';
import type { UserStore } from '../users/user-store.js';
import type { ApiKeyStore } from './api-key-store.js';
import { InvalidKeyThrottle } from './invalid-key-throttle.js';
import { type ApiKeyEnvironment, parseApiKey } from './key-format.js';
import { decodeHash, encodeHash, type SecretHasher, STAND_IN_HASH, sha256SecretHasher } from './key-hash.js';

export interface ApiKeyVerifierOptions {
  store: ApiKeyStore;
  /**
   * The app's users. When given, a key acts with its owner's CURRENT roles, and a missing or
   * disabled owner (or one moved to another tenant) makes the key invalid. Without it, the roles
   * recorded when the key was made are used.
   */
  users?: Pick<UserStore, 'findById'>;
  /** Budget of invalid keys per IP; `false` turns throttling off (tests only). Default: 20 per 5 min, in memory. */
  throttle?: InvalidKeyThrottle | false;
  /** Reverse proxies in front of the app, for the client IP (see core's `clientIp`). Default 0. */
  trustedProxyHops?: number;
  /** Which keys this server accepts. Default `live`: a `kf_test_` key is refused in production. */
  environment?: ApiKeyEnvironment;
  /** `lastUsedAt` is written at most once per this many ms per key. Default 60 000. */
  touchIntervalMs?: number;
  hasher?: SecretHasher;
  now?: () => number;
}

export interface VerifyInput {
  /** The client IP; default: from the current request context. */
  ip?: string;
}

const KEY_CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'ApiKey realm="api"' });
const STAND_IN = encodeHash(STAND_IN_HASH);
const ignore = () => undefined;

/**
 * Turns an `X-Api-Key` value into a principal, or throws `AUTH_API_KEY_INVALID` (401) for
 * anything wrong: malformed, bad checksum, other environment, unknown id, wrong secret, expired,
 * owner gone. One error for all, so a caller learns nothing about which part failed.
 *
 * Order, cheapest first: the IP's invalid-key budget (429 `RATE_LIMITED` when spent), then the
 * format and checksum in memory (typos and garbage never reach the store), then one store lookup
 * by id, then a SHA-256 and a constant-time compare, done the same way whether or not the id
 * exists.
 *
 * @example
 * const verifier = new ApiKeyVerifier({ store, users });
 * const principal = await verifier.verify(ctx.get('X-Api-Key'));
 */
export class ApiKeyVerifier {
  readonly #store: ApiKeyStore;
  readonly #users: Pick<UserStore, 'findById'> | undefined;
  readonly #throttle: InvalidKeyThrottle | undefined;
  readonly #hops: number;
  readonly #environment: ApiKeyEnvironment;
  readonly #touchMs: number;
  readonly #hasher: SecretHasher;
  readonly #now: () => number;

  constructor(options: ApiKeyVerifierOptions) {
    this.#store = options.store;
    this.#users = options.users;
    this.#throttle = options.throttle === false ? undefined : (options.throttle ?? new InvalidKeyThrottle());
    this.#hops = options.trustedProxyHops ?? 0;
    this.#environment = options.environment ?? 'live';
    this.#touchMs = options.touchIntervalMs ?? 60_000;
    this.#hasher = options.hasher ?? sha256SecretHasher;
    this.#now = options.now ?? Date.now;
  }

  async verify(key: string, input: VerifyInput = {}): Promise<Principal> {
    const ip = input.ip ?? this.#ipFromContext();
    await this.#throttle?.check(ip);
    const parsed = parseApiKey(key);
    if (parsed === undefined || parsed.environment !== this.#environment) return this.#reject(ip);

    const record = await this.#store.get(parsed.id);
    // The same work on both paths: hash the presented secret, decode a stored hash, compare 32
    // bytes in constant time. The id is public (it is in the prefix); the secret is what must not
    // leak through timing.
    const presented = this.#hasher.hash(parsed.id, parsed.secret);
    const expected = decodeHash(record?.secretHash ?? STAND_IN);
    const matches = this.#hasher.equal(presented, expected);
    if (record === undefined || !matches) return this.#reject(ip);

    const now = this.#now();
    if (record.expiresAt !== undefined && !(Date.parse(record.expiresAt) > now)) return this.#reject(ip);

    let roles = record.roles;
    if (this.#users !== undefined) {
      const owner = await this.#users.findById(record.ownerId);
      if (owner === undefined || owner.disabled === true || owner.tenantId !== record.tenantId) {
        return this.#reject(ip);
      }
      roles = owner.roles;
    }

    if (record.lastUsedAt === undefined || now - Date.parse(record.lastUsedAt) >= this.#touchMs) {
      // Not awaited: a failed bookkeeping write must not fail (or slow) the request it records.
      this.#store.touch(record.id, new Date(now).toISOString()).catch(ignore);
    }
    return {
      id: record.id,
      type: 'apiKey',
      ...(record.tenantId === undefined ? {} : { tenantId: record.tenantId }),
      scopes: [...record.scopes],
      roles: [...roles],
      claims: { ownerId: record.ownerId },
    };
  }

  #ipFromContext(): string | undefined {
    const ctx = currentContext()?.ctx;
    return ctx === undefined ? undefined : clientIp(ctx, { trustedProxyHops: this.#hops });
  }

  async #reject(ip: string | undefined): Promise<never> {
    await this.#throttle?.fail(ip);
    throw AuthErrors.AUTH_API_KEY_INVALID(undefined, { headers: { ...KEY_CHALLENGE } });
  }
}
