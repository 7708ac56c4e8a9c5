import { createToken } from '@koaforge/core';
import type { ApiKeyService } from '../apikeys/api-key-service.js';
import type { ApiKeyVerifier } from '../apikeys/api-key-verifier.js';
import type { AuditRecorder } from '../audit/audit-event.js';
import type { CredentialAuthenticator } from '../authenticate/credential-authenticator.js';
import type { AuthConfig } from '../config.js';
import type { Mailer } from '../mailer/mailer.js';
import type { MemoryOutbox } from '../mailer/memory-outbox.js';
import type { MfaChallenge } from '../mfa/mfa-challenge.js';
import type { TotpMfa } from '../mfa/totp-mfa.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordLogin } from '../passwords/password-login.js';
import type { Authorizer } from '../rbac/authorizer.js';
import type { PasswordReset } from '../reset/password-reset.js';
import type { SessionService } from '../sessions/session-service.js';
import type { AccessTokenService } from '../tokens/access-token-service.js';
import type { UserStore } from '../users/user-store.js';

/** Every service `authPlugin` builds, as one object (what the routes take). */
export interface AuthServices {
  readonly config: AuthConfig;
  readonly users: UserStore;
  readonly accessTokens: AccessTokenService;
  readonly sessions: SessionService;
  readonly hasher: PasswordHasher;
  readonly passwordLogin: PasswordLogin;
  readonly passwordReset: PasswordReset;
  readonly authorizer: Authorizer;
  readonly apiKeys: ApiKeyService;
  readonly apiKeyVerifier: ApiKeyVerifier;
  readonly authenticator: CredentialAuthenticator;
  /** Absent when `auth.mfa.enabled` is false. */
  readonly totp: TotpMfa | undefined;
  readonly mfaChallenge: MfaChallenge | undefined;
  readonly mailer: Mailer;
  /** The development outbox, when no SMTP server is configured. */
  readonly outbox: MemoryOutbox | undefined;
  readonly audit: AuditRecorder;
}

// DI tokens `authPlugin` registers. Resolve them in other plugins' setup (declare `dependsOn: ['auth']`).
export const AuthServicesToken = createToken<AuthServices>('auth.Services');
export const AuthConfigToken = createToken<AuthConfig>('auth.Config');
export const UserStoreToken = createToken<UserStore>('auth.UserStore');
export const AccessTokenServiceToken = createToken<AccessTokenService>('auth.AccessTokenService');
export const SessionServiceToken = createToken<SessionService>('auth.SessionService');
export const PasswordHasherToken = createToken<PasswordHasher>('auth.PasswordHasher');
export const PasswordLoginToken = createToken<PasswordLogin>('auth.PasswordLogin');
export const PasswordResetToken = createToken<PasswordReset>('auth.PasswordReset');
export const AuthorizerToken = createToken<Authorizer>('auth.Authorizer');
export const ApiKeyServiceToken = createToken<ApiKeyService>('auth.ApiKeyService');
export const ApiKeyVerifierToken = createToken<ApiKeyVerifier>('auth.ApiKeyVerifier');
export const TotpMfaToken = createToken<TotpMfa>('auth.TotpMfa');
export const MfaChallengeToken = createToken<MfaChallenge>('auth.MfaChallenge');
export const MailerToken = createToken<Mailer>('auth.Mailer');
export const AuditRecorderToken = createToken<AuditRecorder>('auth.AuditRecorder');
