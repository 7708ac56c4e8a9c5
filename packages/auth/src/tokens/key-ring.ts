import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject, sign, verify } from 'node:crypto';
import { AuthErrors } from '../errors.js';
import {
  type AccessTokenAlgorithm,
  HMAC_MIN_BYTES,
  isHmacAlgorithm,
  isSupportedAlgorithm,
  RSA_MIN_BITS,
} from './algorithms.js';

/** One key of the ring, as configuration gives it. */
export interface SigningKeyConfig {
  /** Written in every token's header; must match `[A-Za-z0-9._-]{1,64}` and be unique. */
  kid: string;
  alg: AccessTokenAlgorithm;
  /** HS256/HS384/HS512: the shared secret (a UTF-8 string or bytes); at least 32/48/64 bytes. */
  secret?: string | Uint8Array;
  /** RS256/ES256: PEM private key. Required for the active key; absent for verify-only old keys. */
  privateKey?: string;
  /** RS256/ES256: PEM public key; derived from `privateKey` when absent. */
  publicKey?: string;
  /**
   * After this instant tokens signed with this key no longer verify (the end of a rotation's grace
   * period: set it to the rotation time + the access-token lifetime + clock tolerance).
   * ISO string, `Date` or epoch milliseconds.
   */
  notAfter?: string | number | Date;
}

export interface KeyRingConfig {
  /**
   * The algorithm allow-list. Required: without it a verifier is one header away from `none` or
   * HS/RS confusion. `none` (in any case) is refused.
   */
  algorithms: readonly string[];
  /** The kid that signs new tokens. */
  activeKid: string;
  keys: readonly SigningKeyConfig[];
}

/** A key made ready at boot: KeyObjects only, never strings (the jsonwebtoken string-secret trap). */
export interface RingKey {
  readonly kid: string;
  readonly alg: AccessTokenAlgorithm;
  /** For HS keys the secret; for RS/ES keys the public key. */
  readonly verifyKey: KeyObject;
  /** For HS keys the secret; for RS/ES keys the private key, when configured. */
  readonly signKey: KeyObject | undefined;
  /** Epoch ms after which the key no longer verifies; `Infinity` when unbounded. */
  readonly notAfter: number;
}

const KID_RE = /^[A-Za-z0-9._-]{1,64}$/;
/** Longest kid looked up at all: anything longer in a header is refused before the map is touched. */
export const MAX_KID_LENGTH = 64;

function invalid(message: string): Error {
  return AuthErrors.AUTH_CONFIG_INVALID(`auth keys: ${message}`);
}

function toEpochMs(value: SigningKeyConfig['notAfter'], kid: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`key "${kid}": notAfter is not a valid date`);
  return ms;
}

function hmacKey(config: SigningKeyConfig, alg: 'HS256' | 'HS384' | 'HS512'): KeyObject {
  const { secret, kid } = config;
  if (secret === undefined) throw invalid(`key "${kid}": ${alg} needs a secret`);
  if (config.privateKey !== undefined || config.publicKey !== undefined) {
    throw invalid(`key "${kid}": ${alg} takes a secret, not a PEM key`);
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const min = HMAC_MIN_BYTES[alg];
  // The message names the key and the floor, never the value.
  if (bytes.length < min) throw invalid(`key "${kid}": ${alg} secret must be at least ${min} bytes`);
  return createSecretKey(bytes);
}

function parsePem(kid: string, what: string, make: () => KeyObject): KeyObject {
  try {
    return make();
  } catch {
    throw invalid(`key "${kid}": ${what} is not a valid PEM key`);
  }
}

function checkAsymmetricShape(kid: string, alg: 'RS256' | 'ES256', key: KeyObject): void {
  const details = key.asymmetricKeyDetails;
  if (alg === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa') throw invalid(`key "${kid}": RS256 needs an RSA key`);
    if ((details?.modulusLength ?? 0) < RSA_MIN_BITS) {
      throw invalid(`key "${kid}": RS256 key must be at least ${RSA_MIN_BITS} bits`);
    }
  } else if (key.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw invalid(`key "${kid}": ES256 needs an EC key on P-256`);
  }
}

function asymmetricKeys(
  config: SigningKeyConfig,
  alg: 'RS256' | 'ES256',
): { verifyKey: KeyObject; signKey?: KeyObject } {
  const { kid } = config;
  if (config.secret !== undefined) throw invalid(`key "${kid}": ${alg} takes PEM keys, not a secret`);
  const signKey =
    config.privateKey === undefined
      ? undefined
      : parsePem(kid, 'privateKey', () => createPrivateKey(config.privateKey!));
  const publicPem = config.publicKey;
  const verifyKey =
    publicPem !== undefined
      ? parsePem(kid, 'publicKey', () => createPublicKey(publicPem))
      : signKey !== undefined
        ? createPublicKey(signKey)
        : undefined;
  if (verifyKey === undefined) throw invalid(`key "${kid}": ${alg} needs a privateKey or a publicKey`);
  if (verifyKey.type !== 'public') throw invalid(`key "${kid}": publicKey is not a public key`);
  checkAsymmetricShape(kid, alg, verifyKey);
  if (signKey !== undefined) {
    // A pair that does not match would sign tokens nobody can verify: find out at boot.
    const probe = Buffer.from('koaforge key probe');
    if (!verify('sha256', probe, verifyKey, sign('sha256', probe, signKey))) {
      throw invalid(`key "${kid}": privateKey and publicKey do not match`);
    }
  }
  return signKey === undefined ? { verifyKey } : { verifyKey, signKey };
}

function buildKey(config: SigningKeyConfig, allowed: ReadonlySet<string>): RingKey {
  const { kid, alg } = config;
  if (typeof kid !== 'string' || !KID_RE.test(kid)) throw invalid(`kid "${String(kid)}" must match ${KID_RE}`);
  if (!isSupportedAlgorithm(alg)) throw invalid(`key "${kid}": unsupported algorithm "${String(alg)}"`);
  if (!allowed.has(alg)) throw invalid(`key "${kid}": algorithm ${alg} is not in the allow-list`);
  const notAfter = toEpochMs(config.notAfter, kid);
  if (isHmacAlgorithm(alg)) {
    const key = hmacKey(config, alg);
    return Object.freeze({ kid, alg, verifyKey: key, signKey: key, notAfter });
  }
  const { verifyKey, signKey } = asymmetricKeys(config, alg);
  return Object.freeze({ kid, alg, verifyKey, signKey, notAfter });
}

function allowList(algorithms: readonly string[] | undefined): ReadonlySet<AccessTokenAlgorithm> {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw invalid('an algorithm allow-list is required (e.g. ["HS256"] or ["RS256"])');
  }
  const set = new Set<AccessTokenAlgorithm>();
  for (const alg of algorithms) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') throw invalid('algorithm "none" is never allowed');
    if (!isSupportedAlgorithm(alg)) throw invalid(`unsupported algorithm "${String(alg)}" in the allow-list`);
    set.add(alg);
  }
  return set;
}

/**
 * The signing and verification keys, built once at boot. Each key is bound to one algorithm, so a
 * token's header can never pick how its signature is checked (no HS/RS confusion): verification
 * looks the key up by `kid` and then demands that the header's `alg` is the key's own.
 *
 * Rotation: add the new key, make it `activeKid`, keep the old one with `notAfter` set to the end of
 * the grace period (rotation time + access-token lifetime + clock tolerance); remove it later.
 *
 * @example
 * const ring = new KeyRing({
 *   algorithms: ['HS256'],
 *   activeKid: '2025-06',
 *   keys: [{ kid: '2025-06', alg: 'HS256', secret: process.env.JWT_SECRET! }],
 * });
 */
export class KeyRing {
  readonly algorithms: ReadonlySet<AccessTokenAlgorithm>;
  readonly active: RingKey & { readonly signKey: KeyObject };
  readonly #keys: ReadonlyMap<string, RingKey>;

  constructor(config: KeyRingConfig, options: { now?: () => number } = {}) {
    if (typeof config !== 'object' || config === null) throw invalid('configuration is missing');
    this.algorithms = allowList(config.algorithms);
    if (!Array.isArray(config.keys) || config.keys.length === 0) throw invalid('at least one key is required');
    const keys = new Map<string, RingKey>();
    for (const keyConfig of config.keys) {
      const key = buildKey(keyConfig, this.algorithms);
      if (keys.has(key.kid)) throw invalid(`kid "${key.kid}" appears twice`);
      keys.set(key.kid, key);
    }
    const active = keys.get(config.activeKid);
    if (active === undefined) throw invalid(`activeKid "${String(config.activeKid)}" is not one of the keys`);
    if (active.signKey === undefined) throw invalid(`active key "${active.kid}" has no private key to sign with`);
    if (active.notAfter <= (options.now ?? Date.now)())
      throw invalid(`active key "${active.kid}" is past its notAfter`);
    this.#keys = keys;
    this.active = active as RingKey & { readonly signKey: KeyObject };
  }

  /** The key for a header's `kid`, or `undefined` (unknown, or not a sane kid at all). */
  get(kid: unknown): RingKey | undefined {
    if (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH) return undefined;
    return this.#keys.get(kid);
  }

  /** Every kid, for diagnostics. */
  get kids(): string[] {
    return [...this.#keys.keys()];
  }
}
