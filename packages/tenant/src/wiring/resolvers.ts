import type { TenantConfig } from '../config.js';
import { tenantFromDomain } from '../resolve/domain.js';
import { tenantFromHeader } from '../resolve/header.js';
import { tenantFromPath } from '../resolve/path.js';
import { tenantFromPrincipal } from '../resolve/principal.js';
import type { TenantResolver } from '../resolve/resolver.js';
import { tenantFromSubdomain } from '../resolve/subdomain.js';
import type { TenantRegistry } from '../types.js';

/** The resolution chain the config describes: principal, path, header, subdomain, domain. */
export function buildResolvers(config: TenantConfig, registry: TenantRegistry): TenantResolver[] {
  const chain: TenantResolver[] = [];
  if (config.principal.enabled) {
    chain.push(tenantFromPrincipal(config.principal.claim === undefined ? {} : { claim: config.principal.claim }));
  }
  if (config.path !== undefined) chain.push(tenantFromPath(config.path));
  if (config.header !== false) chain.push(tenantFromHeader({ name: config.header }));
  const { baseDomains } = config.subdomain;
  if (baseDomains.length > 0) chain.push(tenantFromSubdomain(config.subdomain));
  const lookup = config.domainLookup && registry.byDomain !== undefined;
  if (Object.keys(config.domains).length > 0 || lookup) {
    chain.push(tenantFromDomain({ domains: config.domains, ignore: baseDomains, ...(lookup ? { registry } : {}) }));
  }
  return chain;
}
