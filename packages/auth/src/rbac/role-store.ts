import type { RoleDefinition } from './role-definition.js';

/**
 * Where per-tenant roles come from (roles an app lets each tenant define at runtime). Static roles
 * come from config and apply to every tenant; a tenant's roles are added on top of them, may
 * inherit them, and may not redefine them. Implement it over your database, or wrap a function
 * with `LoaderRoleStore`.
 */
export interface RoleStore {
  /** The tenant's own roles (not the static ones); `[]` when it has none. */
  rolesFor(tenantId: string): Promise<readonly RoleDefinition[]>;
  /**
   * Optional: call `listener` with a tenant id whenever that tenant's roles change, so an
   * `Authorizer` drops its cached copy at once instead of after its TTL. Returns an unsubscribe.
   */
  watch?(listener: (tenantId: string) => void): () => void;
}

/** A function that loads a tenant's roles (from SQL, an admin API…). */
export type RoleLoader = (tenantId: string) => Promise<readonly RoleDefinition[]> | readonly RoleDefinition[];

class ChangeListeners {
  readonly #listeners = new Set<(tenantId: string) => void>();

  add(listener: (tenantId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(tenantId: string): void {
    for (const l of this.#listeners) l(tenantId);
  }
}

/**
 * A `RoleStore` over a loader function. Call `changed(tenantId)` after you edit a tenant's roles
 * (in other processes, from your event bus) so watching authorizers reload them.
 *
 * @example
 * const store = new LoaderRoleStore(async (tenantId) => db.roles.findMany({ where: { tenantId } }));
 */
export class LoaderRoleStore implements RoleStore {
  readonly #load: RoleLoader;
  readonly #listeners = new ChangeListeners();

  constructor(load: RoleLoader) {
    this.#load = load;
  }

  async rolesFor(tenantId: string): Promise<readonly RoleDefinition[]> {
    return (await this.#load(tenantId)) ?? [];
  }

  watch(listener: (tenantId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  changed(tenantId: string): void {
    this.#listeners.emit(tenantId);
  }
}

/** Per-tenant roles kept in this process (development, tests, single-process apps). */
export class MemoryRoleStore implements RoleStore {
  readonly #tenants = new Map<string, Map<string, RoleDefinition>>();
  readonly #listeners = new ChangeListeners();

  constructor(initial: Readonly<Record<string, readonly RoleDefinition[]>> = {}) {
    for (const [tenantId, roles] of Object.entries(initial)) this.#replace(tenantId, roles);
  }

  async rolesFor(tenantId: string): Promise<readonly RoleDefinition[]> {
    return [...(this.#tenants.get(tenantId)?.values() ?? [])];
  }

  watch(listener: (tenantId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Replace every role of the tenant. */
  setRoles(tenantId: string, roles: readonly RoleDefinition[]): void {
    this.#replace(tenantId, roles);
    this.#listeners.emit(tenantId);
  }

  /** Add or replace one role of the tenant. */
  putRole(tenantId: string, role: RoleDefinition): void {
    let roles = this.#tenants.get(tenantId);
    if (roles === undefined) {
      roles = new Map();
      this.#tenants.set(tenantId, roles);
    }
    roles.set(role.name, role);
    this.#listeners.emit(tenantId);
  }

  /** Remove one role of the tenant; true when it existed. */
  deleteRole(tenantId: string, name: string): boolean {
    const removed = this.#tenants.get(tenantId)?.delete(name) ?? false;
    if (removed) this.#listeners.emit(tenantId);
    return removed;
  }

  #replace(tenantId: string, roles: readonly RoleDefinition[]): void {
    this.#tenants.set(tenantId, new Map(roles.map((r) => [r.name, r])));
  }
}
