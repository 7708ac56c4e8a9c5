import type { TenantResolver } from './resolver.js';

export interface PrincipalResolverOptions {
  /**
   * Read the tenant from this claim of `principal.claims` (e.g. `org_id`) instead of
   * `principal.tenantId`; principals without the claim (API keys) still give their `tenantId`.
   */
  claim?: string;
}

/**
 * Trusted: the tenant of the authenticated principal (core's `Principal.tenantId`, which auth sets
 * from the access token's tenant claim and from the tenant an API key is bound to).
 *
 * @example
 * resolveTenant({ registry, resolvers: [tenantFromPrincipal(), tenantFromHeader()] });
 */
export function tenantFromPrincipal(options: PrincipalResolverOptions = {}): TenantResolver {
  const { claim } = options;
  return {
    name: 'principal',
    trusted: true,
    resolve(request) {
      const principal = request.principal;
      if (principal === undefined) return undefined;
      if (claim !== undefined) {
        const value = principal.claims?.[claim];
        if (typeof value === 'string') return value;
      }
      return principal.tenantId;
    },
  };
}
