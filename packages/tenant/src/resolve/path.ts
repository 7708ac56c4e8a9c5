import type { TenantResolver } from './resolver.js';

export interface PathResolverOptions {
  /** The segment before the tenant id. Default `/t` (`/t/acme/projects`). */
  prefix?: string;
  /**
   * Route by the rest of the path once the tenant is accepted (`/t/acme/projects` → `/projects`),
   * so routes are mounted once for every tenant. Default true.
   */
  strip?: boolean;
}

/** Hint: a path prefix naming the tenant, `/t/:tenant/...`. */
export function tenantFromPath(options: PathResolverOptions = {}): TenantResolver {
  const raw = options.prefix ?? '/t';
  const prefix = `${raw.startsWith('/') ? '' : '/'}${raw.replace(/\/+$/, '')}/`;
  const strip = options.strip ?? true;
  return {
    name: 'path',
    trusted: false,
    resolve(request) {
      const path = request.ctx.path;
      if (!path.startsWith(prefix)) return undefined;
      const end = path.indexOf('/', prefix.length);
      const id = end < 0 ? path.slice(prefix.length) : path.slice(prefix.length, end);
      if (id === '') return undefined;
      if (strip) request.rewritePath = end < 0 ? '/' : path.slice(end);
      return id;
    },
  };
}
