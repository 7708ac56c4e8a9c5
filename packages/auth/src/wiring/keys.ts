import { randomBytes } from 'node:crypto';
import type { Logger } from '@koaforge/core';
import type { AuthConfig } from '../config.js';
import { AuthErrors } from '../errors.js';
import { KeyRing as MfaKeyRing } from '../mfa/key-ring.js';
import { type SigningKeyConfig, KeyRing as SigningKeyRing } from '../tokens/key-ring.js';

export interface KeyOptions {
  /** Refuse to make up secrets (production). */
  production: boolean;
  log?: Pick<Logger, 'warn'>;
}

const DEV_KID = 'dev';

/**
 * The access-token key ring from `auth.secret` / `auth.keys`. Without either, development gets a
 * random HS256 key made now (tokens die with the process and do not verify in other processes);
 * production refuses to boot.
 */
export function buildSigningKeys(config: AuthConfig, options: KeyOptions): SigningKeyRing {
  const keys: SigningKeyConfig[] = config.keys.map((k) => ({
    kid: k.kid,
    alg: k.alg,
    ...(k.secret === undefined ? {} : { secret: k.secret }),
    ...(k.privateKey === undefined ? {} : { privateKey: k.privateKey }),
    ...(k.publicKey === undefined ? {} : { publicKey: k.publicKey }),
    ...(k.notAfter === undefined ? {} : { notAfter: k.notAfter }),
  }));
  if (config.secret !== undefined) {
    keys.unshift({ kid: config.activeKid ?? 'default', alg: 'HS256', secret: config.secret });
  }
  if (keys.length === 0) {
    if (options.production) {
      throw AuthErrors.AUTH_CONFIG_INVALID('auth.secret (or auth.keys) is required in production');
    }
    options.log?.warn(
      'auth.secret is not set: signing access tokens with a random key made at boot (development only; tokens do not survive a restart and are not shared between processes)',
    );
    keys.push({ kid: DEV_KID, alg: 'HS256', secret: randomBytes(32) });
  }
  const activeKid = config.activeKid ?? keys[0]!.kid;
  return new SigningKeyRing({ algorithms: config.algorithms, activeKid, keys });
}

/** The MFA sealing keys; a random one in development when none is configured, an error in production. */
export function buildMfaKeys(config: AuthConfig, options: KeyOptions): MfaKeyRing {
  const { keys, currentKey } = config.mfa;
  if (Object.keys(keys).length > 0) return new MfaKeyRing({ current: currentKey, keys });
  if (options.production) {
    throw AuthErrors.AUTH_CONFIG_INVALID('auth.mfa.keys is required in production (32 bytes, hex or base64)');
  }
  options.log?.warn(
    'auth.mfa.keys is not set: sealing TOTP secrets with a random key made at boot (development only; enrollments do not survive a restart)',
  );
  return new MfaKeyRing({ current: currentKey, keys: { [currentKey]: randomBytes(32) } });
}
