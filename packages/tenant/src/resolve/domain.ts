import { normalizeHost } from '@koaforge/core';
import { registryUnavailable } from '../registry/unavailable.js';
import type { TenantRecord, TenantRegistry } from '../types.js';
import type { TenantResolver } from './resolver.js';

export interface DomainResolverOptions {
  /** Custom domain → tenant id (`{ 'app.acme.com': 'acme' }`). */
  domains?: Readonly<Record<string, string>>;
  /** Ask this registry's `byDomain` (and `peekDomain`) for hosts the map does not know. */
  registry?: TenantRegistry;
  /**
   * The app's own domains: these hosts and their subdomains are never custom domains, so they
   * never cost a registry lookup. Pass the subdomain resolver's base domains here.
   */
  ignore?: readonly string[];
}

const idOf = (record: TenantRecord | null | undefined) => record?.id;

/**
 * Hint: a custom domain that points at a tenant (`app.acme.com` → `acme`), from a static map
 * and/or the registry. Registry answers held in memory are used without a promise.
 */
export function tenantFromDomain(options: DomainResolverOptions): TenantResolver {
  const map = new Map<string, string>();
  for (const [host, id] of Object.entries(options.domains ?? {})) {
    const normal = normalizeHost(host);
    if (normal === undefined) throw new TypeError(`tenantFromDomain: "${host}" is not a valid host name`);
    map.set(normal, id);
  }
  const ignore = (options.ignore ?? []).map((d) => normalizeHost(d)).filter((d): d is string => d !== undefined);
  const registry = options.registry?.byDomain === undefined ? undefined : options.registry;
  const own = (host: string) => ignore.some((d) => host === d || host.endsWith(`.${d}`));
  return {
    name: 'domain',
    trusted: false,
    resolve(request) {
      const host = request.host;
      if (host === undefined) return undefined;
      const mapped = map.get(host);
      if (mapped !== undefined) return mapped;
      if (registry === undefined || own(host)) return undefined;
      const peeked = registry.peekDomain?.(host);
      if (peeked === null) return undefined;
      if (peeked !== undefined) return peeked.id;
      return registry.byDomain!(host).then(idOf, (err: unknown) => {
        throw registryUnavailable(err);
      });
    },
  };
}
