import { createHash, randomInt } from 'node:crypto';

/**
 * Recovery codes: 16 characters of Crockford base32 (80 bits) shown as `ABCD-EFGH-JKMN-PQRS`.
 * Stored as SHA-256 bound to the user; a slow hash is not needed at 80 bits of entropy (there is
 * nothing to guess), and the attempt cap applies to them as to TOTP codes.
 */

/** Crockford's alphabet: no I, L, O, U, so codes read aloud or retyped survive. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 16;
const NORMALIZED_RE = /^[0-9A-HJKMNP-TV-Z]{16}$/;

export function generateRecoveryCode(): string {
  let raw = '';
  for (let i = 0; i < CODE_CHARS; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return raw.match(/.{4}/g)!.join('-');
}

export function generateRecoveryCodes(count: number): string[] {
  return Array.from({ length: count }, generateRecoveryCode);
}

/** Upper case, separators dropped, look-alikes mapped (I/L → 1, O → 0); `undefined` if not a code. */
export function normalizeRecoveryCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return NORMALIZED_RE.test(code) ? code : undefined;
}

export function hashRecoveryCode(userId: string, normalizedCode: string): string {
  return createHash('sha256')
    .update('koaforge:mfa-recovery:')
    .update(userId)
    .update('\u0000')
    .update(normalizedCode)
    .digest('hex');
}
