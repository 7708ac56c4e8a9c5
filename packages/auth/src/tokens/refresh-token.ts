import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Refresh tokens are opaque `id.secret`: `id` is 16 random bytes and finds the record, `secret` is
 * 32 random bytes and is never stored — only its SHA-256 is. A slow password hash would add nothing
 * here: the secret has 256 bits of entropy, so there is no dictionary to slow down.
 */
const ID_BYTES = 16;
const SECRET_BYTES = 32;
const ID_LENGTH = 22; // base64url of 16 bytes, unpadded
const SECRET_LENGTH = 43; // base64url of 32 bytes, unpadded
const REFRESH_TOKEN_RE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface NewRefreshToken {
  /** What the client gets, once. */
  readonly token: string;
  readonly id: string;
  /** base64url SHA-256 of the secret: what the store keeps. */
  readonly secretHash: string;
}

export function hashRefreshSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function newRefreshToken(): NewRefreshToken {
  const id = randomBytes(ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${id}.${secret}`, id, secretHash: hashRefreshSecret(secret) };
}

/** Split a presented token, or `undefined` when it is not shaped like one of ours. */
export function parseRefreshToken(token: unknown): { id: string; secret: string } | undefined {
  if (typeof token !== 'string' || token.length !== ID_LENGTH + 1 + SECRET_LENGTH) return undefined;
  const match = REFRESH_TOKEN_RE.exec(token);
  if (match === null) return undefined;
  return { id: match[1]!, secret: match[2]! };
}

/** Constant-time check of a presented secret against the stored hash. */
export function refreshSecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashRefreshSecret(secret), 'base64url');
  const stored = Buffer.from(storedHash, 'base64url');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
