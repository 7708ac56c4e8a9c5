/**
 * Defence in depth for audit records: services are written never to put a secret in `data`, and
 * this guard catches the mistake anyway. It recognises secrets by the name of the field
 * (`password`, `secret`, `*Token`, `*Hash`, `code`, `otp`…) and by the shape of the value
 * (JWTs, PHC hashes, long hex, long mixed-case base64). Ids (UUIDs, ULIDs, `usr_123`) pass, and
 * under a key that names an id (`sessionId`) only JWT and PHC shapes are refused: random ids are
 * indistinguishable from tokens by shape alone.
 */

const SECRET_KEY =
  /pass(?:word|wd|phrase)|secret|^token$|token$|^otp$|^code$|recoverycode|^hash$|hash$|^pin$|credential|^authorization$|^cookie$/i;

/** header.payload.signature, the header being base64url JSON (`eyJ`). */
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/;
/** `$argon2id$…`, `$scrypt$…`, `$2b$…` (bcrypt). */
const PHC = /^\$[a-z0-9-]{2,}\$/;
/** SHA-256 digests, 16-byte+ random hex. UUIDs are not one run of ≥ 32 hex digits. */
const LONG_HEX = /[0-9a-f]{32,}/i;
/** A run of ≥ 20 base64/base64url characters. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;
/** The TOTP secret alphabet: ≥ 16 base32 characters. */
const BASE32_SECRET = /^[A-Z2-7]{16,}={0,6}$/;

function looksRandom(run: string): boolean {
  // Random base64 of this length almost surely mixes lower case, upper case and digits; ids and
  // words mostly do not (ULIDs and upper-case ids have no lower case, slugs no upper case).
  return /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run);
}

/** Keys that name an id (`sessionId`, `keyId`, `id`): random-looking values are expected there. */
const ID_KEY = /(?:^id|Id|_id|^ids|Ids)$/;

/** True for values that look like a token, a hash or a key. */
export function looksSecret(value: string): boolean {
  if (value.length < 16) return false;
  if (looksLikeCredential(value) || LONG_HEX.test(value) || BASE32_SECRET.test(value)) return true;
  for (const run of value.match(BASE64_RUN) ?? []) if (looksRandom(run)) return true;
  return false;
}

/** JWTs and PHC hashes: refused even under an id-like key. */
function looksLikeCredential(value: string): boolean {
  return JWT.test(value) || PHC.test(value);
}

/** True for field names that only ever hold secrets. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** `data` without secret-looking entries, and the names of the entries dropped. */
export function dropSecrets(data: Readonly<Record<string, string | number | boolean>>): {
  data: Record<string, string | number | boolean>;
  dropped: string[];
} {
  const kept: Record<string, string | number | boolean> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const secretValue =
      typeof value === 'string' && (ID_KEY.test(key) ? looksLikeCredential(value) : looksSecret(value));
    if (isSecretKey(key) || secretValue) dropped.push(key);
    else kept[key] = value;
  }
  return { data: kept, dropped };
}
