import { BruteForceGuard, type EventBus, type Logger, type RateLimitStore } from '@koaforge/core';
import { ApiKeyService } from '../apikeys/api-key-service.js';
import { ApiKeyVerifier } from '../apikeys/api-key-verifier.js';
import { InvalidKeyThrottle } from '../apikeys/invalid-key-throttle.js';
import { AuditLog } from '../audit/audit-log.js';
import { CredentialAuthenticator } from '../authenticate/credential-authenticator.js';
import type { AuthConfig } from '../config.js';
import type { Mailer } from '../mailer/mailer.js';
import { MemoryOutbox } from '../mailer/memory-outbox.js';
import { SmtpMailer } from '../mailer/smtp-mailer.js';
import { MfaChallenge } from '../mfa/mfa-challenge.js';
import { TotpMfa } from '../mfa/totp-mfa.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { PasswordLogin } from '../passwords/password-login.js';
import { Authorizer } from '../rbac/authorizer.js';
import type { RoleStore } from '../rbac/role-store.js';
import { PasswordReset } from '../reset/password-reset.js';
import { SessionService } from '../sessions/session-service.js';
import { AccessTokenService } from '../tokens/access-token-service.js';
import type { UserStore } from '../users/user-store.js';
import { buildMfaKeys, buildSigningKeys } from './keys.js';
import type { AuthStores } from './stores.js';
import type { AuthServices } from './tokens.js';
import { tenantAgnosticUsers } from './users.js';

export interface AuthServicesInput {
  config: AuthConfig;
  stores: AuthStores;
  users: UserStore;
  /** Refuse development fallbacks (random keys). */
  production: boolean;
  /** A mailer of your own; default from `auth.mailer` (SMTP, else a memory outbox). */
  mailer?: Mailer;
  /** Per-tenant roles on top of `auth.roles`. */
  roleStore?: RoleStore;
  /** The shared rate-limit store, so brute-force and invalid-key counts hold across processes. */
  rateLimitStore?: RateLimitStore;
  /** Audit events are also emitted here. */
  bus?: EventBus;
  log?: Logger;
  /** Reverse proxies in front of the app (core's `http.trustProxyHops`). */
  trustedProxyHops?: number;
}

function buildMailer(config: AuthConfig, given: Mailer | undefined): { mailer: Mailer; outbox?: MemoryOutbox } {
  if (given !== undefined) return { mailer: given };
  const { smtpUrl, from } = config.mailer;
  if (smtpUrl !== undefined) return { mailer: new SmtpMailer({ smtpUrl, from }) };
  const outbox = new MemoryOutbox();
  return { mailer: outbox, outbox };
}

/** Builds every auth service from config and stores; no kernel involved. */
export function buildAuthServices(input: AuthServicesInput): AuthServices {
  const { config, stores, production, log, rateLimitStore } = input;
  const shared = rateLimitStore === undefined ? {} : { store: rateLimitStore };
  const audit = new AuditLog({
    ...(log === undefined ? {} : { logger: log }),
    ...(input.bus === undefined ? {} : { bus: input.bus }),
  });
  const users = input.users;
  // Login and reset may omit the tenant: an address held by one tenant only is found anyway.
  const lookup = tenantAgnosticUsers(users);
  const accessTokens = new AccessTokenService({
    keys: buildSigningKeys(config, { production, ...(log === undefined ? {} : { log }) }),
    issuer: config.issuer,
    audience: config.audience,
    ttlSeconds: config.accessTtlSeconds,
    revocations: stores.revocations,
  });
  const sessions = new SessionService({
    sessions: stores.sessions,
    refreshTokens: stores.refreshTokens,
    revocations: stores.revocations,
    accessTokens,
    users,
    audit,
    refreshTtlSeconds: config.refreshTtlSeconds,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
  });
  const hasher = new PasswordHasher(config.passwords);
  let totp: TotpMfa | undefined;
  let mfaChallenge: MfaChallenge | undefined;
  if (config.mfa.enabled) {
    const keys = buildMfaKeys(config, { production, ...(log === undefined ? {} : { log }) });
    totp = new TotpMfa({ store: stores.mfa, keys, issuer: config.mfa.issuer, audit });
    mfaChallenge = new MfaChallenge({
      store: stores.mfa,
      mfa: totp,
      audit,
      ttlMs: config.mfa.challengeTtlSeconds * 1000,
    });
  }
  const login = config.login;
  const passwordLogin = new PasswordLogin({
    users: lookup,
    hasher,
    audit,
    guard: new BruteForceGuard({
      ...shared,
      name: 'auth-login',
      maxFailuresPerAccount: login.maxFailuresPerAccount,
      maxFailuresPerIp: login.maxFailuresPerIp,
      block: login.block,
    }),
    ...(totp === undefined ? {} : { mfa: totp }),
    ...(log === undefined ? {} : { logger: log }),
  });
  const { mailer, outbox } = buildMailer(config, input.mailer);
  const passwordReset = new PasswordReset({
    users: lookup,
    hasher,
    store: stores.resetTokens,
    mailer,
    sessions,
    origin: config.reset.origin,
    path: config.reset.path,
    ttlMs: config.reset.ttlMinutes * 60_000,
    audit,
    ...(log === undefined ? {} : { logger: log }),
  });
  const authorizer = new Authorizer({
    roles: config.roles,
    ...(input.roleStore === undefined ? {} : { store: input.roleStore }),
  });
  const apiKeys = new ApiKeyService({
    store: stores.apiKeys,
    authorizer,
    audit,
    environment: config.apiKeys.environment,
    maxKeysPerOwner: config.apiKeys.maxKeysPerOwner,
    maxScopes: config.apiKeys.maxScopes,
    ...(config.apiKeys.maxLifetimeSeconds === undefined
      ? {}
      : { maxLifetimeSeconds: config.apiKeys.maxLifetimeSeconds }),
  });
  const apiKeyVerifier = new ApiKeyVerifier({
    store: stores.apiKeys,
    users,
    environment: config.apiKeys.environment,
    trustedProxyHops: input.trustedProxyHops ?? 0,
    throttle: new InvalidKeyThrottle({ ...shared, maxInvalidPerIp: config.apiKeys.maxInvalidPerIp }),
  });
  const authenticator = new CredentialAuthenticator({ accessTokens, apiKeyVerifier });
  return {
    config,
    users,
    accessTokens,
    sessions,
    hasher,
    passwordLogin,
    passwordReset,
    authorizer,
    apiKeys,
    apiKeyVerifier,
    authenticator,
    totp,
    mfaChallenge,
    mailer,
    outbox,
    audit,
  };
}
