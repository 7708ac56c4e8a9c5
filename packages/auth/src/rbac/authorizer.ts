import type { Principal } from '@koaforge/core';
import type { Explanation } from './explain.js';
import type { ParsedPermission } from './permission.js';
import type { RoleDefinition } from './role-definition.js';
import { type CheckOptions, type EffectivePermissions, RoleGraph } from './role-graph.js';
import type { RoleStore } from './role-store.js';

export interface AuthorizerOptions {
  /** Roles every tenant has (from config). Validated here: a bad one throws `AUTH_CONFIG_INVALID`. */
  roles?: readonly RoleDefinition[];
  /** Per-tenant roles, added on top of the static ones for principals of that tenant. */
  store?: RoleStore;
  /**
   * How long a tenant's loaded roles are used before they are loaded again, in ms. Default 60 000;
   * 0 keeps them until invalidated. Bounds how stale another process's edits can be when nothing
   * calls `invalidate` there.
   */
  cacheTtlMs?: number;
  /** Tenants whose roles are kept at once (least recently loaded dropped first). Default 1000. */
  maxCachedTenants?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface CachedGraph {
  readonly graph: RoleGraph;
  readonly expiresAt: number;
}

/**
 * Permission checks with static roles and, when a `RoleStore` is given, each tenant's own roles
 * (loaded once per tenant, cached, invalidated by `invalidate(tenantId)` or by the store's
 * `watch`). The roles that apply to a principal are the static ones plus those of
 * `principal.tenantId`.
 *
 * @example
 * const authz = new Authorizer({ roles: [{ name: 'admin', allow: ['*'] }], store: new MemoryRoleStore() });
 * if (!(await authz.can(principal, 'users:write'))) throw AuthErrors.AUTH_FORBIDDEN();
 */
export class Authorizer {
  /** The static roles. */
  readonly roles: RoleGraph;
  readonly #store: RoleStore | undefined;
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CachedGraph>();
  readonly #loading = new Map<string, { promise: Promise<RoleGraph> }>();
  readonly #unwatch: (() => void) | undefined;

  constructor(options: AuthorizerOptions = {}) {
    this.roles = new RoleGraph(options.roles ?? []);
    this.#store = options.store;
    this.#ttl = options.cacheTtlMs ?? 60_000;
    this.#max = options.maxCachedTenants ?? 1000;
    this.#now = options.now ?? Date.now;
    if (!(this.#ttl >= 0)) throw new TypeError(`cacheTtlMs must be ≥ 0 (got ${this.#ttl})`);
    if (!(Number.isInteger(this.#max) && this.#max >= 1)) {
      throw new TypeError(`maxCachedTenants must be a whole number ≥ 1 (got ${this.#max})`);
    }
    this.#unwatch = this.#store?.watch?.((tenantId) => this.invalidate(tenantId));
  }

  /**
   * The roles graph for a tenant when it is already loaded (or there is nothing to load), else
   * `undefined`: lets a guard decide without a promise on the common path.
   */
  cachedGraph(tenantId: string | undefined): RoleGraph | undefined {
    if (tenantId === undefined || this.#store === undefined) return this.roles;
    const hit = this.#cache.get(tenantId);
    if (hit === undefined) return undefined;
    if (this.#ttl > 0 && this.#now() >= hit.expiresAt) {
      this.#cache.delete(tenantId);
      return undefined;
    }
    return hit.graph;
  }

  /**
   * The roles graph for a tenant: static roles plus the tenant's, loaded once and cached. Rejects
   * with `AUTH_CONFIG_INVALID` when the tenant's roles are invalid (a cycle, a clash with a static
   * role…), so its principals are refused rather than judged by a partial graph.
   */
  graphFor(tenantId: string | undefined): Promise<RoleGraph> {
    const cached = this.cachedGraph(tenantId);
    if (cached !== undefined) return Promise.resolve(cached);
    const id = tenantId as string;
    const pending = this.#loading.get(id);
    if (pending !== undefined) return pending.promise;
    // In the map before the load starts, so a store that throws synchronously still clears it.
    const entry = { promise: Promise.resolve(this.roles) };
    this.#loading.set(id, entry);
    entry.promise = this.#load(id, entry);
    return entry.promise;
  }

  /** Whether the principal may do `permission`, with its tenant's roles. */
  async can(principal: Principal, permission: string | ParsedPermission, options?: CheckOptions): Promise<boolean> {
    const graph = this.cachedGraph(principal.tenantId) ?? (await this.graphFor(principal.tenantId));
    return graph.can(principal, permission, options);
  }

  async explain(
    principal: Principal,
    permission: string | ParsedPermission,
    options?: CheckOptions,
  ): Promise<Explanation> {
    return (await this.graphFor(principal.tenantId)).explain(principal, permission, options);
  }

  async hasRole(principal: Principal, role: string): Promise<boolean> {
    return (await this.graphFor(principal.tenantId)).hasRole(principal, role);
  }

  async permissionsOf(principal: Principal): Promise<EffectivePermissions> {
    return (await this.graphFor(principal.tenantId)).permissionsOf(principal);
  }

  /** Forget a tenant's loaded roles (all tenants without an argument); the next check reloads. */
  invalidate(tenantId?: string): void {
    if (tenantId === undefined) {
      this.#cache.clear();
      this.#loading.clear();
    } else {
      this.#cache.delete(tenantId);
      this.#loading.delete(tenantId);
    }
  }

  /** Stop watching the store. */
  close(): void {
    this.#unwatch?.();
  }

  async #load(tenantId: string, self: { promise: Promise<RoleGraph> }): Promise<RoleGraph> {
    try {
      const defs = await this.#store!.rolesFor(tenantId);
      const graph = defs.length === 0 ? this.roles : this.roles.extend(defs);
      // Cache only when no invalidation came while loading: that one may be for an edit this load
      // did not see.
      if (this.#loading.get(tenantId) === self) {
        if (this.#cache.size >= this.#max) this.#cache.delete(this.#cache.keys().next().value as string);
        this.#cache.set(tenantId, { graph, expiresAt: this.#now() + this.#ttl });
      }
      return graph;
    } finally {
      if (this.#loading.get(tenantId) === self) this.#loading.delete(tenantId);
    }
  }
}
