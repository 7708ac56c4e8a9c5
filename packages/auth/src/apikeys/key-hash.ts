import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How key secrets are stored and compared. Keys are looked up by their public id; the stored
 * value is SHA-256 over a version tag, the id and the secret.
 *
 * Why plain SHA-256 and not a password hash or an HMAC with a server pepper: the secret is 190
 * random bits, so a leaked table cannot be reversed by guessing (2^190 tries), and a slow hash would
 * only add latency to every request. A pepper would add a secret to rotate whose loss invalidates
 * every key, for no gain against an attacker who cannot guess the secret anyway. Hashing the id in
 * binds a stored hash to its record: copying one record's hash onto another id does not make the
 * first key work there.
 *
 * Both paths of a verification, unknown id and known id with a wrong secret, do one hash and one
 * `timingSafeEqual` of 32 bytes (against a random stand-in when the id is unknown).
 */
export interface SecretHasher {
  hash(id: string, secret: string): Buffer;
  /** Constant-time for equal lengths; different lengths (a corrupt record) are unequal. */
  equal(a: Buffer, b: Buffer): boolean;
}

export const sha256SecretHasher: SecretHasher = {
  hash(id, secret) {
    return createHash('sha256').update(`kf-apikey-v1\u0000${id}\u0000${secret}`).digest();
  },
  equal(a, b) {
    return a.length === b.length && timingSafeEqual(a, b);
  },
};

/** Compared against when the id is unknown, so that path does the same work as a wrong secret. */
export const STAND_IN_HASH: Buffer = randomBytes(32);

export function encodeHash(hash: Buffer): string {
  return hash.toString('base64url');
}

export function decodeHash(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}
