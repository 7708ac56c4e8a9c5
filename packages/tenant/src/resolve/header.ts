import type { TenantResolver } from './resolver.js';

export interface HeaderResolverOptions {
  /** Default `X-Tenant-Id`. */
  name?: string;
}

/**
 * Hint: a request header naming the tenant (`X-Tenant-Id: acme`). Repeated headers arrive joined
 * (`acme, globex`) and so fail the id pattern (400) instead of one of them being picked.
 */
export function tenantFromHeader(options: HeaderResolverOptions = {}): TenantResolver {
  const header = (options.name ?? 'X-Tenant-Id').toLowerCase();
  return {
    name: 'header',
    trusted: false,
    resolve(request) {
      const value = request.ctx.req.headers[header];
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
  };
}
