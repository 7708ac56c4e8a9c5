import { defineErrors } from '@koaforge/core';

/**
 * The error catalogue of `@koaforge/tenant`. Every code is documented in docs/errors.md. Unknown
 * and suspended tenants answer the same `TENANT_NOT_FOUND` by default, so a caller cannot probe
 * which tenants exist.
 */
export const TenantErrors = defineErrors({
  TENANT_NOT_FOUND: { status: 404, message: 'The tenant does not exist', title: 'Tenant not found' },
  TENANT_SUSPENDED: { status: 403, message: 'The tenant is suspended', title: 'Tenant suspended' },
  TENANT_MISMATCH: {
    status: 403,
    message: 'The tenant named by the request is not the tenant of the credential',
    title: 'Tenant mismatch',
  },
  TENANT_REQUIRED: { status: 400, message: 'This route needs a tenant', title: 'Tenant required' },
  TENANT_NOT_ALLOWED: { status: 400, message: 'This route does not take a tenant', title: 'Tenant not allowed' },
  TENANT_INVALID: { status: 400, message: 'The tenant id is malformed', title: 'Invalid tenant id' },
  TENANT_KEY_INVALID: {
    status: 400,
    message: 'A key part would escape the tenant scope or is malformed',
    title: 'Invalid key part',
  },
  TENANT_QUOTA_EXCEEDED: {
    status: 429,
    message: 'The tenant has used up its quota',
    title: 'Tenant quota exceeded',
  },
  TENANT_CONFIG_INVALID: {
    status: 400,
    message: 'The tenant settings are invalid',
    title: 'Invalid tenant settings',
  },
  TENANT_REGISTRY_UNAVAILABLE: {
    status: 503,
    message: 'The tenant registry is unavailable',
    title: 'Tenant registry unavailable',
    retryable: true,
  },
  TENANT_DOMAIN_TAKEN: {
    status: 409,
    message: 'The domain already belongs to another tenant',
    title: 'Tenant domain taken',
  },
});
