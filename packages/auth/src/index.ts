// The public surface of @koaforge/auth. Nothing else is exported.

// API keys
export {
  ApiKeyService,
  type ApiKeyServiceOptions,
  type ApiKeySummary,
  type CreatedApiKey,
} from './apikeys/api-key-service.js';
export type { ApiKeyRecord, ApiKeyStore } from './apikeys/api-key-store.js';
export { ApiKeyVerifier, type ApiKeyVerifierOptions, type VerifyInput } from './apikeys/api-key-verifier.js';
export type { CreateApiKeyInput } from './apikeys/create-input.js';
export { InvalidKeyThrottle, type InvalidKeyThrottleOptions } from './apikeys/invalid-key-throttle.js';
export { API_KEY_PATTERN, type ApiKeyEnvironment, parseApiKey } from './apikeys/key-format.js';
export { MemoryApiKeyStore, type MemoryApiKeyStoreOptions } from './apikeys/memory-store.js';
export { RedisApiKeyStore, type RedisApiKeyStoreOptions } from './apikeys/redis-store.js';
export type { AuditEvent, AuditEventType, AuditInput, AuditRecorder } from './audit/audit-event.js';
export { noAudit } from './audit/audit-event.js';
// Audit
export { AuditLog, type AuditLogOptions, AuthAuditEvent } from './audit/audit-log.js';
export { type AuditSink, LoggerAuditSink, MemoryAuditSink } from './audit/audit-sinks.js';
// Access tokens, sessions, authenticate
export { type AuthenticateOptions, authenticate } from './authenticate/authenticate.js';
export {
  type AuthState,
  CredentialAuthenticator,
  type CredentialAuthenticatorOptions,
} from './authenticate/credential-authenticator.js';
// Kernel plugin, its config section, DI tokens and wiring
export { type AuthConfig, authConfigSchema } from './config.js';
export { type AuthErrorCode, AuthErrors } from './errors.js';
// Mail
export type { Mailer, MailMessage } from './mailer/mailer.js';
export { MemoryOutbox, type MemoryOutboxOptions, type OutboxMessage } from './mailer/memory-outbox.js';
export { SmtpMailer, type SmtpMailerOptions } from './mailer/smtp-mailer.js';
// MFA
export { KeyRing as MfaKeyRing, type KeyRingOptions as MfaKeyRingOptions } from './mfa/key-ring.js';
export { MemoryMfaStore } from './mfa/memory-mfa-store.js';
export { type IssuedChallenge, MfaChallenge, type MfaChallengeOptions } from './mfa/mfa-challenge.js';
export type { MfaChallengeRecord, MfaFailurePolicy, MfaFailureState, MfaRecord, MfaStore } from './mfa/mfa-store.js';
export { RedisMfaStore } from './mfa/redis-mfa-store.js';
export { type MfaMethod, type MfaVerification, TotpMfa, type TotpMfaOptions } from './mfa/totp-mfa.js';
// OAuth2 / OpenID Connect sign-in
export {
  OAuthAccountLinker,
  type OAuthAccountLinkerOptions,
  type OAuthLinkContext,
  type OAuthLinkResult,
} from './oauth/account-linker.js';
export {
  decodeHandoffGrant,
  type IssuedHandoff,
  OAuthHandoff,
  type OAuthHandoffGrant,
  type OAuthHandoffOptions,
  type OAuthHandoffStore,
} from './oauth/handoff.js';
export { type OAuthConfig, oauthConfigSchema } from './oauth/oauth-config.js';
export {
  type OAuthCompletion,
  OAuthFlow,
  type OAuthFlowOptions,
  type OAuthStart,
  type OAuthStartExtras,
} from './oauth/oauth-flow.js';
export type { AuthorizationRequest, CallbackRequest, OAuthIdentity, OAuthProvider } from './oauth/provider.js';
export { GITHUB_ENDPOINTS, type GitHubProviderOptions, githubProvider } from './oauth/providers/github.js';
export { GOOGLE_ISSUER, type GoogleProviderOptions, googleProvider } from './oauth/providers/google.js';
export { type OidcProviderMetadata, type OidcProviderOptions, oidcProvider } from './oauth/providers/oidc.js';
export {
  createOAuthProviders,
  type OAuthProviderConfig,
  oauthProviderConfigSchema,
} from './oauth/providers/provider-config.js';
export { WECHAT_ENDPOINTS, type WeChatProviderOptions, wechatProvider } from './oauth/providers/wechat.js';
export { createReturnToValidator, type ReturnToOptions, type ReturnToValidator } from './oauth/return-to.js';
export {
  mountOAuthRoutes,
  type OAuthCookieOptions,
  type OAuthLoginResult,
  type OAuthRoutesOptions,
} from './oauth/routes.js';
export {
  MemoryOAuthHandoffStore,
  MemoryOAuthTransactionStore,
  type MemoryOAuthTransactionStoreOptions,
} from './oauth/stores/memory.js';
export {
  RedisOAuthHandoffStore,
  RedisOAuthTransactionStore,
  type RedisOAuthTransactionStoreOptions,
} from './oauth/stores/redis.js';
export type { OAuthTransaction, OAuthTransactionStore } from './oauth/transaction.js';
// Passwords and reset
export {
  type Argon2Parameters,
  OWASP_ARGON2_PARAMETERS,
  PasswordHasher,
  type PasswordHasherOptions,
  type PasswordVerification,
} from './passwords/password-hasher.js';
export {
  type LoginCallOptions,
  normalizeEmail,
  PasswordLogin,
  type PasswordLoginOptions,
} from './passwords/password-login.js';
export {
  DEFAULT_PASSWORD_POLICY,
  type PasswordPolicy,
  type PasswordPolicyOptions,
} from './passwords/password-policy.js';
export { type AuthPluginOptions, authPlugin } from './plugin.js';
export { Authorizer, type AuthorizerOptions } from './rbac/authorizer.js';
export type { Explanation } from './rbac/explain.js';
export {
  BEARER_CHALLENGE,
  createGuards,
  type GuardOptions,
  type Guards,
  principalOf,
  type RouteGuardOptions,
  requireAnyPermission,
  requirePermission,
  requireRole,
} from './rbac/guards.js';
export { isPermission, type ParsedPermission, type PermissionKind, parsePermission } from './rbac/permission.js';
// RBAC
export type {
  ConditionalGrant,
  ConditionContext,
  PermissionCondition,
  RoleDefinition,
} from './rbac/role-definition.js';
export { type CheckOptions, type EffectivePermissions, RoleGraph } from './rbac/role-graph.js';
export { LoaderRoleStore, MemoryRoleStore, type RoleLoader, type RoleStore } from './rbac/role-store.js';
export { MemoryResetTokenStore } from './reset/memory-reset-token-store.js';
export {
  defaultResetMail,
  PasswordReset,
  type PasswordResetOptions,
  type ResetMailComposer,
} from './reset/password-reset.js';
export { RedisResetTokenStore } from './reset/redis-reset-token-store.js';
export type { ResetTokenRecord, ResetTokenStore } from './reset/reset-token-store.js';
export {
  type AuthRoutesOptions,
  type BodyIssue,
  type MountAuthRoutesOptions,
  mountAuthRoutes,
  mountDevMailbox,
} from './routes/index.js';
export { mountOAuthSignIn, OAUTH_CODE_PARAM, type OAuthSignIn, type OAuthSignInOptions } from './routes/oauth.js';
export { MemoryRefreshTokenStore } from './sessions/memory-refresh-token-store.js';
export { MemoryRevocationStore } from './sessions/memory-revocation-store.js';
export { MemorySessionStore } from './sessions/memory-session-store.js';
export { RedisRefreshTokenStore, type RedisRefreshTokenStoreOptions } from './sessions/redis-refresh-token-store.js';
export { RedisRevocationStore, type RedisRevocationStoreOptions } from './sessions/redis-revocation-store.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './sessions/redis-session-store.js';
export type { RefreshTokenRecord, RefreshTokenStore, RotationOutcome } from './sessions/refresh-token-store.js';
export type { RevocationEntry, RevocationKind, RevocationStore } from './sessions/revocation-store.js';
export type { SessionRevoker } from './sessions/session-revoker.js';
export {
  type ClientInfo,
  type IssuedSession,
  SessionService,
  type SessionServiceOptions,
  type SessionView,
  type TokenPair,
} from './sessions/session-service.js';
export type { SessionRecord, SessionSeen, SessionStore } from './sessions/session-store.js';
export type {
  AccessTokenClaims,
  AccessTokenInput,
  IssuedAccessToken,
  VerifiedAccessToken,
} from './tokens/access-claims.js';
export { AccessTokenService, type AccessTokenServiceOptions } from './tokens/access-token-service.js';
export { type AccessTokenAlgorithm, SUPPORTED_ALGORITHMS } from './tokens/algorithms.js';
export {
  KeyRing as SigningKeyRing,
  type KeyRingConfig,
  type RingKey,
  type SigningKeyConfig,
} from './tokens/key-ring.js';
export { MemoryUserStore, type MemoryUserStoreOptions } from './users/memory-user-store.js';
export type { AuthUser, NewUser, UserPatch, UserStore } from './users/user-store.js';
export { type AuthServicesInput, buildAuthServices } from './wiring/services.js';
export { type AuthStores, buildStores } from './wiring/stores.js';
export {
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
} from './wiring/tokens.js';
export { tenantAgnosticUsers } from './wiring/users.js';
