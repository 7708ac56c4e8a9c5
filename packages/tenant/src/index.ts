// The public surface of @koaforge/tenant: resolution and trust model (resolve/, middleware/),
// registries (registry/), isolation (services/, keys/, settings/, quota/) and the kernel plugin.
// The PostgreSQL row-level-security helper is the separate entry point `@koaforge/tenant/postgres`.
export { type TenantConfig, tenantConfigSchema } from './config.js';
export { currentTenant, requireCurrentTenant } from './context.js';
export { TenantErrors } from './errors.js';
export {
  ownsKey,
  type ParsedTenantKey,
  parseTenantKey,
  type TenantKeyKind,
  type TenantKeyOptions,
  type TenantKeys,
  tenantKeys,
} from './keys/tenant-keys.js';
export { forbidTenant, type RequireTenantOptions, requireTenant } from './middleware/guards.js';
export { type ResolveTenantOptions, resolveTenant } from './middleware/resolve-tenant.js';
export { type TenantPluginOptions, tenantPlugin } from './plugin.js';
export type { QuotaDecision, QuotaKind, QuotaUsage } from './quota/decision.js';
export { QUOTA_REJECTIONS_METRIC } from './quota/metrics.js';
export { requireQuota, type TenantQuotaOptions, tenantQuota } from './quota/middleware.js';
export type { QuotaPeriod } from './quota/period.js';
export { quotaExceededError } from './quota/quota-error.js';
export type { QuotaCount, QuotaStore } from './quota/store.js';
export { MemoryQuotaStore, type MemoryQuotaStoreOptions } from './quota/stores/memory.js';
export { RedisQuotaStore, type RedisQuotaStoreOptions } from './quota/stores/redis.js';
export {
  type QuotaDefaults,
  type QuotaDefinition,
  TenantQuotas,
  type TenantQuotasOptions,
  TenantQuotasToken,
} from './quota/tenant-quotas.js';
export { CachedTenantRegistry, type CachedTenantRegistryOptions } from './registry/cached.js';
export { MemoryTenantRegistry, type MemoryTenantRegistryOptions } from './registry/memory.js';
export { tenantRecordSchema } from './registry/record-schema.js';
export { RedisTenantRegistry, type RedisTenantRegistryOptions } from './registry/redis.js';
export { StaticTenantRegistry } from './registry/static.js';
export { TenantChanged } from './registry/tenant-changed.js';
export { type CustomResolverOptions, customTenantResolver } from './resolve/custom.js';
export { type DomainResolverOptions, tenantFromDomain } from './resolve/domain.js';
export { type HeaderResolverOptions, tenantFromHeader } from './resolve/header.js';
export { type PathResolverOptions, tenantFromPath } from './resolve/path.js';
export { type PrincipalResolverOptions, tenantFromPrincipal } from './resolve/principal.js';
export type { TenantCandidate, TenantResolver } from './resolve/resolver.js';
export { type SubdomainResolverOptions, tenantFromSubdomain } from './resolve/subdomain.js';
export { type AnonymousRule, TenantDecider, type TenantDeciderOptions } from './resolve/tenant-decider.js';
export { TenantRequest } from './resolve/tenant-request.js';
export { tenantServicePromiseProvider, tenantServiceProvider } from './services/di-binding.js';
export {
  type TenantLike,
  type TenantServiceDefinition,
  TenantServices,
  type TenantServicesOptions,
  TenantServicesToken,
} from './services/tenant-services.js';
export type { SettingsIssue } from './settings/settings-error.js';
export {
  type SettingsConfigSource,
  TenantSettings,
  type TenantSettingsOptions,
  TenantSettingsToken,
  type ValidateSettingsOptions,
} from './settings/tenant-settings.js';
export { assertTenantId, DEFAULT_TENANT_ID_PATTERN, isValidTenantId } from './tenant-id.js';
export type {
  ResolvedTenant,
  TenantChange,
  TenantChangeListener,
  TenantRecord,
  TenantRegistry,
} from './types.js';
export type { TenantLoader } from './wiring/registry.js';
export { TenantRegistryToken } from './wiring/tokens.js';
