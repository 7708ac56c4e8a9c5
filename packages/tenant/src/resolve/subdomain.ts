import { normalizeHost } from '@koaforge/core';
import type { TenantResolver } from './resolver.js';

export interface SubdomainResolverOptions {
  /** The app's own domains (`['localhost', 'example.com']`): `acme.example.com` names `acme`. */
  baseDomains: readonly string[];
  /** Labels that never name a tenant. Default `['www']`. */
  ignore?: readonly string[];
  /**
   * Accept deeper hosts (`acme.eu.example.com`): the leftmost label that is not ignored names the
   * tenant. Default false: such hosts name no tenant.
   */
  multiLevel?: boolean;
}

/**
 * Hint: the label left of one of the app's base domains (`acme.localhost` → `acme`). The host is
 * core's `requestHost` (so `X-Forwarded-Host` counts only behind trusted proxies).
 */
export function tenantFromSubdomain(options: SubdomainResolverOptions): TenantResolver {
  // Longest first, so `app.example.com` wins over `example.com`.
  const suffixes = options.baseDomains
    .map((d) => normalizeHost(d))
    .filter((d): d is string => d !== undefined)
    .sort((a, b) => b.length - a.length)
    .map((d) => `.${d}`);
  const ignore = new Set(options.ignore ?? ['www']);
  const multiLevel = options.multiLevel ?? false;
  return {
    name: 'subdomain',
    trusted: false,
    resolve(request) {
      const host = request.host;
      if (host === undefined) return undefined;
      for (const suffix of suffixes) {
        if (host.length <= suffix.length || !host.endsWith(suffix)) continue;
        const label = host.slice(0, host.length - suffix.length);
        if (!label.includes('.')) return ignore.has(label) ? undefined : label;
        if (!multiLevel) return undefined;
        for (const part of label.split('.')) if (!ignore.has(part)) return part;
        return undefined;
      }
      return undefined;
    },
  };
}
