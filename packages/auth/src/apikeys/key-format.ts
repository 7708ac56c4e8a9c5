import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API key format: `kf_<env>_<id>_<secret>_<checksum>`, e.g.
 * `kf_live_3Fq9TzXk1LmB_Xr4…(32)…_0aZk9Q`.
 *
 * - `kf_<env>_` — a fixed, greppable prefix (`live` or `test`), so leaked keys are easy to spot and
 *   secret scanners can match them with {@link API_KEY_PATTERN}.
 * - `<id>` — 12 base62 characters (71 random bits): the public handle of the key, used to find its
 *   record. `kf_<env>_<id>` is the key's `prefix`, shown in lists.
 * - `<secret>` — 32 base62 characters (190 random bits); only its hash is stored.
 * - `<checksum>` — CRC-32 of everything before it, as 6 base62 characters. A typo, a truncated
 *   paste or a made-up key fails the checksum in memory, before any store lookup or rate-limit
 *   budget beyond the caller's own is spent. (A checksum is not a MAC: anyone can compute it; it
 *   only makes garbage cheap to reject.)
 *
 * Base62 only, so a double-click selects the whole key and no encoding is needed in headers or URLs.
 */
export type ApiKeyEnvironment = 'live' | 'test';

export const API_KEY_ID_LENGTH = 12;
export const API_KEY_SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Every well-formed key is exactly this long (`kf_` + `live`/`test` + separators + parts). */
export const API_KEY_LENGTH = 3 + 4 + 1 + API_KEY_ID_LENGTH + 1 + API_KEY_SECRET_LENGTH + 1 + CHECKSUM_LENGTH;

/**
 * Matches a koaforge API key anywhere in text, for secret scanners (GitHub custom patterns,
 * gitleaks, trufflehog) and log masking:
 * `kf_(live|test)_[0-9A-Za-z]{12}_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}`, word-bounded. No `g` flag (a shared
 * global RegExp keeps `lastIndex` between calls): scan with `new RegExp(API_KEY_PATTERN.source, 'g')`.
 */
export const API_KEY_PATTERN = /\bkf_(?:live|test)_[0-9A-Za-z]{12}_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}\b/;

const EXACT = /^kf_(live|test)_([0-9A-Za-z]{12})_([0-9A-Za-z]{32})_([0-9A-Za-z]{6})$/;

export interface ParsedApiKey {
  readonly environment: ApiKeyEnvironment;
  readonly id: string;
  readonly secret: string;
}

/** `length` random base62 characters (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes at or above it would favour the first characters.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function base62Fixed(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function checksumOf(body: string): string {
  // 62^6 ≈ 5.7e10 > 2^32: every CRC-32 value has its own 6-character form.
  return base62Fixed(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

/** The displayable, non-secret part of a key: `kf_live_<id>`. */
export function apiKeyPrefix(environment: ApiKeyEnvironment, id: string): string {
  return `kf_${environment}_${id}`;
}

/** The full text of a key from its parts, checksum included. */
export function formatApiKey(environment: ApiKeyEnvironment, id: string, secret: string): string {
  const body = `${apiKeyPrefix(environment, id)}_${secret}`;
  return `${body}_${checksumOf(body)}`;
}

/** A new key: its full text (to show once) and its parts. */
export function generateApiKey(environment: ApiKeyEnvironment): ParsedApiKey & { key: string; prefix: string } {
  const id = randomBase62(API_KEY_ID_LENGTH);
  const secret = randomBase62(API_KEY_SECRET_LENGTH);
  return { key: formatApiKey(environment, id, secret), environment, id, secret, prefix: apiKeyPrefix(environment, id) };
}

/**
 * The parts of a well-formed key whose checksum holds, else `undefined`. Pure and cheap (one
 * regular expression over a fixed-length string and a CRC-32): run it before anything else.
 */
export function parseApiKey(key: unknown): ParsedApiKey | undefined {
  if (typeof key !== 'string' || key.length !== API_KEY_LENGTH) return undefined;
  const m = EXACT.exec(key);
  if (m === null) return undefined;
  const body = key.slice(0, key.length - CHECKSUM_LENGTH - 1);
  if (checksumOf(body) !== m[4]) return undefined;
  return { environment: m[1] as ApiKeyEnvironment, id: m[2]!, secret: m[3]! };
}
