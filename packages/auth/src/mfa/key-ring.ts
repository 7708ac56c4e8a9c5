import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { AuthErrors } from '../errors.js';

export interface KeyRingOptions {
  /** The key id new values are sealed with, e.g. `v2`. */
  current: string;
  /**
   * Every key id still needed to open stored values → 32 bytes (a Buffer, 64 hex digits, or
   * base64/base64url). Keep an old key until everything sealed with it was re-sealed.
   */
  keys: Readonly<Record<string, string | Uint8Array>>;
}

const KEY_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function decodeKey(id: string, material: string | Uint8Array): KeyObject {
  let bytes: Buffer;
  if (typeof material !== 'string') bytes = Buffer.from(material);
  else if (/^[0-9a-f]{64}$/i.test(material)) bytes = Buffer.from(material, 'hex');
  else bytes = Buffer.from(material, 'base64');
  if (bytes.length !== 32) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`MFA encryption key "${id}" must be 32 bytes (got ${bytes.length})`);
  }
  return createSecretKey(bytes);
}

/**
 * AES-256-GCM sealing under versioned keys, for secrets auth must read back (TOTP seeds). A sealed
 * value is `<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts), e.g. `v1:…:…:…`, so values sealed
 * under an old key still open after `current` moves on; `needsReseal` says when to re-seal.
 *
 * The associated data binds a value to its owner (`totp:<userId>`): a sealed secret copied onto
 * another user's record does not open.
 *
 * @example
 * const ring = new KeyRing({ current: 'v2', keys: { v1: process.env.MFA_KEY_V1!, v2: process.env.MFA_KEY_V2! } });
 * const sealed = ring.seal(secret, `totp:${userId}`);
 * const plain = ring.open(sealed, `totp:${userId}`);
 */
export class KeyRing {
  readonly current: string;
  readonly #keys = new Map<string, KeyObject>();

  constructor(options: KeyRingOptions) {
    for (const [id, material] of Object.entries(options.keys)) {
      if (!KEY_ID_RE.test(id)) throw AuthErrors.AUTH_CONFIG_INVALID(`MFA key id "${id}" must match ${KEY_ID_RE}`);
      this.#keys.set(id, decodeKey(id, material));
    }
    if (!this.#keys.has(options.current)) {
      throw AuthErrors.AUTH_CONFIG_INVALID(`the current MFA key "${options.current}" is not among the keys`);
    }
    this.current = options.current;
  }

  seal(plaintext: string, associatedData: string): string {
    const key = this.#keys.get(this.current)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [this.current, iv, tag, ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
  }

  /**
   * The plaintext, or `AUTH_CONFIG_INVALID` (500) when the key id is unknown (a key was removed
   * too early) or the value does not authenticate (tampered, wrong owner, wrong key).
   */
  open(sealed: string, associatedData: string): string {
    const parts = sealed.split(':');
    const [id, iv, tag, ciphertext] = parts;
    if (parts.length !== 4 || id === undefined || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw AuthErrors.AUTH_CONFIG_INVALID('a sealed MFA secret is malformed');
    }
    const key = this.#keys.get(id);
    if (key === undefined) throw AuthErrors.AUTH_CONFIG_INVALID(`no MFA encryption key "${id}" is configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw AuthErrors.AUTH_CONFIG_INVALID(`a sealed MFA secret did not authenticate under key "${id}"`, { cause });
    }
  }

  /** True when `sealed` was made under another key than `current`. */
  needsReseal(sealed: string): boolean {
    return !sealed.startsWith(`${this.current}:`);
  }
}
