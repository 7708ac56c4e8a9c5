import { secret } from '@koaforge/core';
import * as z from 'zod';
import { oauthConfigSchema } from './oauth/oauth-config.js';
import { SUPPORTED_ALGORITHMS } from './tokens/algorithms.js';

const algorithm = z.enum(SUPPORTED_ALGORITHMS);
const kid = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);
const seconds = z.number().int().positive();
/** Core's rate-limit window: whole seconds, or `'30s'`, `'1m'`, `'1h'`, `'1d'`. */
const windowInput = z.union([
  z.number().int().positive(),
  z.custom<`${number}${'s' | 'm' | 'h' | 'd'}`>((v) => typeof v === 'string' && /^\d+[smhd]$/.test(v), {
    message: "e.g. '30s', '1m', '1h', '1d'",
  }),
]);

/**
 * One signing key. HS keys take `secret` (≥ 32 bytes; the key ring demands 48/64 for HS384/HS512),
 * RS256/ES256 keys take PEM `privateKey` (the active key) or only `publicKey` (an old key kept for
 * its grace period, until `notAfter`).
 */
const signingKeySchema = z.object({
  kid,
  alg: algorithm,
  secret: secret(z.string(), { minBytes: 32 }).optional(),
  privateKey: secret(z.string().min(1)).optional(),
  publicKey: z.string().min(1).optional(),
  /** End of the key's grace period after a rotation (ISO time): its tokens stop verifying then. */
  notAfter: z.string().min(1).optional(),
});

const roleSchema = z.object({
  name: z.string().min(1),
  inherits: z.array(z.string().min(1)).optional(),
  allow: z.array(z.string().min(1)),
  deny: z.array(z.string().min(1)).optional(),
  description: z.string().optional(),
});

const policySchema = z.object({ limit: z.number().int().positive(), window: windowInput });

/**
 * The `auth` config section. Every default boots a development app: an HS256 secret and an MFA
 * key are generated at boot when missing (with a warning; tokens then die with the process and
 * are not shared between processes). In production (`NODE_ENV=production` or the plugin's
 * `production` option) a missing secret is a boot error instead.
 *
 * @example
 * // koaforge.config.json
 * { "auth": { "issuer": "https://api.acme.test", "secret": "${AUTH_SECRET}", "mfa": { "keys": { "v1": "${MFA_KEY}" } } } }
 */
export const authConfigSchema = z.object({
  /** `iss` written into and required of access tokens. */
  issuer: z.string().min(1).default('koaforge'),
  /** `aud` written into and required of access tokens. */
  audience: z.string().min(1).default('koaforge-api'),
  /** Algorithm allow-list: tokens signed otherwise are refused, whatever their header says. */
  algorithms: z.array(algorithm).min(1).default(['HS256']),
  /** Shortcut for one HS key (`kid` = `activeKid`) when `keys` is empty. */
  secret: secret(z.string(), { minBytes: 32 }).optional(),
  /** The key that signs new tokens. Default: the `secret` key, or the first of `keys`. */
  activeKid: kid.optional(),
  keys: z.array(signingKeySchema).default([]),
  /** Access-token lifetime. Default 15 minutes. */
  accessTtlSeconds: seconds.default(900),
  /** Idle lifetime of a refresh token (renewed by each refresh). Default 30 days. */
  refreshTtlSeconds: seconds.default(30 * 86_400),
  /** Absolute cap of a session. Default 90 days. */
  sessionMaxAgeSeconds: seconds.default(90 * 86_400),
  passwords: z
    .object({
      minLength: z.number().int().min(1).default(12),
      maxBytes: z.number().int().min(4).default(1024),
      /** Argon2id parameters (OWASP minimum by default); lower them in tests only. */
      memoryCost: z.number().int().min(1024).default(19_456),
      timeCost: z.number().int().min(1).default(2),
      parallelism: z.number().int().min(1).default(1),
    })
    .prefault({}),
  /** Brute-force protection of login (core's `BruteForceGuard`) and the route's rate limit. */
  login: z
    .object({
      maxFailuresPerAccount: z.number().int().min(1).default(5),
      maxFailuresPerIp: z.number().int().min(1).default(100),
      block: windowInput.default('1m'),
      rateLimit: policySchema.default({ limit: 30, window: '1m' }),
      refreshRateLimit: policySchema.default({ limit: 60, window: '1m' }),
    })
    .prefault({}),
  reset: z
    .object({
      /** The app's public origin: the only source of the reset link's host (never a request header). */
      origin: z.string().min(1).default('http://127.0.0.1:3000'),
      path: z.string().min(1).default('/reset-password'),
      ttlMinutes: z.number().int().min(1).max(1440).default(30),
      /** Forgot-password requests per IP and per e-mail address. */
      perIp: policySchema.default({ limit: 10, window: '15m' }),
      perEmail: policySchema.default({ limit: 3, window: '15m' }),
    })
    .prefault({}),
  mailer: z
    .object({
      /** `smtp://…` or `smtps://…`; without it mail is kept in a `MemoryOutbox` (development). */
      smtpUrl: secret(z.string().min(1)).optional(),
      from: z.string().min(1).default('koaforge <no-reply@localhost>'),
    })
    .prefault({}),
  mfa: z
    .object({
      enabled: z.boolean().default(true),
      /** Shown in authenticator apps. */
      issuer: z.string().min(1).default('koaforge'),
      /** Key id sealing new TOTP secrets. */
      currentKey: z.string().min(1).default('v1'),
      /** Key id → 32 bytes (hex or base64) sealing TOTP secrets at rest (AES-256-GCM). */
      keys: z.record(z.string(), secret(z.string().min(1))).default({}),
      challengeTtlSeconds: z.number().int().min(10).max(900).default(300),
    })
    .prefault({}),
  /** Static roles every tenant has. */
  roles: z.array(roleSchema).default([]),
  apiKeys: z
    .object({
      environment: z.enum(['live', 'test']).default('live'),
      maxKeysPerOwner: z.number().int().min(1).default(100),
      maxScopes: z.number().int().min(1).default(50),
      maxLifetimeSeconds: seconds.optional(),
      /** Invalid keys one IP may present per 5 minutes before 429s. */
      maxInvalidPerIp: z.number().int().min(1).default(20),
    })
    .prefault({}),
  /** OAuth2 / OIDC sign-in, mounted when `providers` is not empty (see `oauthConfigSchema`). */
  oauth: oauthConfigSchema.optional(),
});

export type AuthConfig = z.output<typeof authConfigSchema>;
