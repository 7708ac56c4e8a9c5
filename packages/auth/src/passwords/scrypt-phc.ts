import { scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Verification of scrypt PHC strings (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, unpadded base64), the
 * other format `AuthUser.passwordHash` allows, so accounts imported from a system that used scrypt
 * keep working. Such hashes always report `needsRehash`: the login that verifies one upgrades it to
 * Argon2id. New hashes are never scrypt.
 */

const SCRYPT_RE = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Bounds on stored parameters: a corrupted row must not make one login allocate gigabytes. */
const MAX_LN = 20;
const MAX_R = 32;
const MAX_P = 16;

interface ScryptParams {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export function isScryptPhc(phc: string): boolean {
  return phc.startsWith('$scrypt$');
}

function parse(phc: string): ScryptParams | undefined {
  const m = SCRYPT_RE.exec(phc);
  if (m === null) return undefined;
  const ln = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (ln < 1 || ln > MAX_LN || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return undefined;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const hash = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return undefined;
  return { N: 2 ** ln, r, p, salt, hash };
}

/** `false` for a wrong password and for a malformed or out-of-bounds PHC string. */
export async function verifyScryptPhc(phc: string, password: string): Promise<boolean> {
  const params = parse(phc);
  if (params === undefined) return false;
  const { N, r, p, salt, hash } = params;
  const derived = await new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, hash.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  }).catch(() => undefined);
  return derived !== undefined && timingSafeEqual(derived, hash);
}
