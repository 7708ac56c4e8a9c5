import type { Container } from '@koaforge/core';
import {
  AccessTokenServiceToken,
  ApiKeyServiceToken,
  ApiKeyVerifierToken,
  AuditRecorderToken,
  AuthConfigToken,
  AuthorizerToken,
  type AuthServices,
  AuthServicesToken,
  MailerToken,
  MfaChallengeToken,
  PasswordHasherToken,
  PasswordLoginToken,
  PasswordResetToken,
  SessionServiceToken,
  TotpMfaToken,
  UserStoreToken,
} from './tokens.js';

/** Every service under its token (MFA ones only when MFA is on). */
export function registerAuthServices(container: Container, services: AuthServices): void {
  container.register(AuthServicesToken, { useValue: services });
  container.register(AuthConfigToken, { useValue: services.config });
  container.register(UserStoreToken, { useValue: services.users });
  container.register(AccessTokenServiceToken, { useValue: services.accessTokens });
  container.register(SessionServiceToken, { useValue: services.sessions });
  container.register(PasswordHasherToken, { useValue: services.hasher });
  container.register(PasswordLoginToken, { useValue: services.passwordLogin });
  container.register(PasswordResetToken, { useValue: services.passwordReset });
  container.register(AuthorizerToken, { useValue: services.authorizer });
  container.register(ApiKeyServiceToken, { useValue: services.apiKeys });
  container.register(ApiKeyVerifierToken, { useValue: services.apiKeyVerifier });
  container.register(MailerToken, { useValue: services.mailer });
  container.register(AuditRecorderToken, { useValue: services.audit });
  if (services.totp !== undefined) container.register(TotpMfaToken, { useValue: services.totp });
  if (services.mfaChallenge !== undefined) container.register(MfaChallengeToken, { useValue: services.mfaChallenge });
}
