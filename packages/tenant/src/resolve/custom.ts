import type { TenantCandidate, TenantResolver } from './resolver.js';
import type { TenantRequest } from './tenant-request.js';

export interface CustomResolverOptions {
  /**
   * Whether the answer is an authenticated fact (decides, like the principal) or a hint (must
   * agree with the principal; accepted alone only by the anonymous rule). Default false.
   */
  trusted?: boolean;
  /** `TenantRef.source` when it decides. Default `custom`. */
  name?: string;
}

/**
 * A resolver of your own. Return the id synchronously when you can (a cookie, a verified mTLS
 * subject); a promise works too, at the cost of one per request.
 *
 * @example
 * customTenantResolver((req) => req.ctx.cookies.get('tenant'), { name: 'cookie' });
 */
export function customTenantResolver(
  fn: (request: TenantRequest) => TenantCandidate,
  options: CustomResolverOptions = {},
): TenantResolver {
  return { name: options.name ?? 'custom', trusted: options.trusted ?? false, resolve: fn };
}
