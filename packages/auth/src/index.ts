// The public surface of @koaforge/auth. Nothing else is exported.
export { type AuthErrorCode, AuthErrors } from './errors.js';
export type { AuditEvent, AuditEventType, AuditInput, AuditRecorder } from './audit/audit-event.js';
export { noAudit } from './audit/audit-event.js';
export type { AuthUser, NewUser, UserPatch, UserStore } from './users/user-store.js';
export type { SessionRevoker } from './sessions/session-revoker.js';

// OAuth2 / OpenID Connect sign-in
export {
  OAuthAccountLinker,
  type OAuthAccountLinkerOptions,
  type OAuthLinkContext,
  type OAuthLinkResult,
} from './oauth/account-linker.js';
export { type OAuthCompletion, OAuthFlow, type OAuthFlowOptions, type OAuthStart } from './oauth/oauth-flow.js';
export type { AuthorizationRequest, CallbackRequest, OAuthIdentity, OAuthProvider } from './oauth/provider.js';
export { GITHUB_ENDPOINTS, type GitHubProviderOptions, githubProvider } from './oauth/providers/github.js';
export { GOOGLE_ISSUER, type GoogleProviderOptions, googleProvider } from './oauth/providers/google.js';
export { type OidcProviderOptions, oidcProvider } from './oauth/providers/oidc.js';
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
export { MemoryOAuthTransactionStore, type MemoryOAuthTransactionStoreOptions } from './oauth/stores/memory.js';
export { RedisOAuthTransactionStore, type RedisOAuthTransactionStoreOptions } from './oauth/stores/redis.js';
export type { OAuthTransaction, OAuthTransactionStore } from './oauth/transaction.js';
