import { createHash, randomBytes } from 'node:crypto';
import { AuthErrors } from '../errors.js';

/** 32 random bytes, base64url: 43 characters, 256 bits. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function newResetToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isResetTokenShape(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_RE.test(token);
}

/**
 * SHA-256 of the token, domain-separated so a hash from another store (a challenge, an API key)
 * can never match. A fast hash suffices: the token has 256 bits of entropy, nothing to brute-force.
 */
export function hashResetToken(token: string): string {
  return createHash('sha256').update('koaforge:password-reset:').update(token).digest('hex');
}

/**
 * `https://app.example` from the configured origin, refusing anything else (a path, a query,
 * credentials, another scheme): the link's origin is configuration, never a request header.
 */
export function parseOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw AuthErrors.AUTH_CONFIG_INVALID(`password reset origin is not a URL: ${JSON.stringify(origin)}`);
  }
  const plain = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash;
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || !plain) {
    throw AuthErrors.AUTH_CONFIG_INVALID(
      `password reset origin must be scheme://host[:port] only (got ${JSON.stringify(origin)})`,
    );
  }
  return url.origin;
}

const PATH_RE = /^\/(?!\/)[A-Za-z0-9._~\-/]*$/;

export function checkResetPath(path: string): string {
  if (!PATH_RE.test(path)) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`password reset path must be a plain absolute path (got ${path})`);
  }
  return path;
}

/**
 * `<origin><path>#token=<token>`. The token rides in the fragment: browsers never send fragments
 * to servers, so it stays out of access logs, proxy logs and the `Referer` of anything the reset
 * page loads. The page reads `location.hash` and POSTs the token with the new password.
 */
export function resetLink(origin: string, path: string, token: string): string {
  return `${origin}${path}#token=${token}`;
}
