import type { Principal } from '@koaforge/core';
import { type Explanation, explainDecision } from './explain.js';
import { ListMemo } from './list-memo.js';
import { PatternSet } from './pattern-set.js';
import { covers, intersect, type ParsedPermission, parsePermission } from './permission.js';
import type { ConditionContext, PermissionCondition, RoleDefinition } from './role-definition.js';
import { type LoadedRole, loadRoles } from './role-loader.js';
import { compileScopes } from './scope-set.js';

/** What a check may be given besides the principal and the permission. */
export interface CheckOptions {
  /** The object acted on, for conditions. */
  readonly resource?: unknown;
  /** The request's tenant, for conditions. Default: the principal's. */
  readonly tenantId?: string;
}

export interface ConditionalEntry {
  readonly pattern: ParsedPermission;
  readonly when: PermissionCondition;
  /** The role that declares it. */
  readonly role: string;
}

/** The effective grants of one list of role names, compiled once and memoised per list. */
export interface CompiledRoles {
  /** Every known role reached from the list, inherited ones included. */
  readonly roles: ReadonlySet<string>;
  /** Names in the list no role is defined for (they grant nothing). */
  readonly unknown: readonly string[];
  readonly allow: PatternSet;
  readonly deny: PatternSet;
  readonly conditional: readonly ConditionalEntry[];
}

/** A principal's effective permissions, for `/me`-like answers. */
export interface EffectivePermissions {
  readonly allow: string[];
  readonly conditional: string[];
  readonly deny: string[];
}

const NONE: readonly string[] = Object.freeze([]);

function toParsed(permission: string | ParsedPermission): ParsedPermission {
  return typeof permission === 'string' ? parsePermission(permission) : permission;
}

/**
 * A validated, acyclic set of roles and the permission checks over it. Each distinct list of role
 * names is compiled once into `PatternSet`s (allow, deny) and memoised, so a check is: one memo
 * lookup, a deny lookup and an allow lookup, each a few Set lookups; conditions run only when no
 * plain grant decides.
 *
 * API-key principals (`type: 'apiKey'`) are also limited by their scopes: a key may do what its
 * owner's roles allow AND its scopes cover. A key without scopes may do nothing.
 *
 * @example
 * const graph = new RoleGraph([{ name: 'member', allow: ['files:*', 'users:read'] }]);
 * graph.can({ id: 'u1', type: 'user', roles: ['member'] }, 'files:write'); // true
 */
export class RoleGraph {
  readonly #roles: ReadonlyMap<string, LoadedRole>;
  readonly #memo = new ListMemo<CompiledRoles>();
  readonly #compile = (names: readonly string[]): CompiledRoles => this.#build(names);

  /** Throws `AUTH_CONFIG_INVALID` naming the problem (cycle path, unknown parent, bad permission…). */
  constructor(roles: readonly RoleDefinition[] = [], base?: RoleGraph) {
    this.#roles = loadRoles(roles, base === undefined ? undefined : base.#roles);
  }

  /** A graph with these roles added (a tenant's roles over the static ones); this one is unchanged. */
  extend(roles: readonly RoleDefinition[]): RoleGraph {
    return new RoleGraph(roles, this);
  }

  get roleNames(): string[] {
    return [...this.#roles.keys()];
  }

  role(name: string): LoadedRole | undefined {
    return this.#roles.get(name);
  }

  /** The compiled grants of a list of role names (memoised). */
  compile(roles: readonly string[] | undefined): CompiledRoles {
    return this.#memo.get(roles ?? NONE, this.#compile);
  }

  /** Whether the principal may do `permission` (`users:write`, or a wildcard such as `files:*`). */
  can(principal: Principal, permission: string | ParsedPermission, options?: CheckOptions): boolean {
    const wanted = typeof permission === 'string' ? parsePermission(permission) : permission;
    if (principal.type === 'apiKey' && !compileScopes(principal.scopes).covers(wanted)) return false;
    const compiled = this.#memo.get(principal.roles ?? NONE, this.#compile);
    if (compiled.deny.overlaps(wanted)) return false;
    if (compiled.allow.covers(wanted)) return true;
    if (compiled.conditional.length === 0) return false;
    return conditionHolds(compiled.conditional, wanted, principal, options);
  }

  /**
   * Whether the principal may hand `permission` on to a credential it makes (an API key's scope):
   * like `can`, except that a conditional grant counts, since its condition is checked again on
   * every use of the credential.
   */
  mayDelegate(principal: Principal, permission: string | ParsedPermission): boolean {
    const wanted = toParsed(permission);
    if (principal.type === 'apiKey' && !compileScopes(principal.scopes).covers(wanted)) return false;
    const compiled = this.compile(principal.roles);
    if (compiled.deny.overlaps(wanted)) return false;
    return compiled.allow.covers(wanted) || compiled.conditional.some((c) => covers(c.pattern, wanted));
  }

  /** Whether the principal may do at least one of `permissions`. */
  canAny(principal: Principal, permissions: ReadonlyArray<string | ParsedPermission>, options?: CheckOptions): boolean {
    for (const p of permissions) if (this.can(principal, p, options)) return true;
    return false;
  }

  /**
   * Whether the principal holds `role`, directly or through a role that inherits it. An API key
   * holds its owner's roles only when its scopes include `*`: otherwise a narrowly scoped key of an
   * admin would pass every `requireRole('admin')` guard.
   */
  hasRole(principal: Principal, role: string): boolean {
    if (principal.type === 'apiKey' && !compileScopes(principal.scopes).covers(parsePermission('*'))) return false;
    return this.compile(principal.roles).roles.has(role);
  }

  /**
   * Why `can` answers what it answers: the role and grant that allowed, or the deny, the missing
   * scope, the failed condition or the absence that refused. Slower than `can`; for logs, audit
   * and admin tools.
   */
  explain(principal: Principal, permission: string | ParsedPermission, options?: CheckOptions): Explanation {
    return explainDecision(this, principal, toParsed(permission), options);
  }

  /**
   * The principal's grants as patterns: unconditional allows (for API keys, intersected with the
   * scopes), conditional ones, and denies (which win over both).
   */
  permissionsOf(principal: Principal): EffectivePermissions {
    const compiled = this.compile(principal.roles);
    let allow = compiled.allow.patterns;
    let conditional = compiled.conditional.map((c) => c.pattern);
    if (principal.type === 'apiKey') {
      const scopes = compileScopes(principal.scopes).patterns;
      const meet = (list: readonly ParsedPermission[]) =>
        list.flatMap((p) => scopes.map((s) => intersect(p, s)).filter((x): x is ParsedPermission => x !== undefined));
      allow = meet(allow);
      conditional = meet(conditional);
    }
    const texts = (list: readonly ParsedPermission[]) => [...new Set(list.map((p) => p.text))].sort();
    return { allow: texts(allow), conditional: texts(conditional), deny: texts(compiled.deny.patterns) };
  }

  #build(names: readonly string[]): CompiledRoles {
    const roles = new Set<string>();
    const unknown: string[] = [];
    for (const name of names) {
      const role = this.#roles.get(name);
      if (role === undefined) unknown.push(name);
      else for (const n of role.lineage) roles.add(n);
    }
    const allow = new PatternSet();
    const deny = new PatternSet();
    const conditional: ConditionalEntry[] = [];
    for (const name of roles) {
      const role = this.#roles.get(name)!;
      for (const p of role.allow) allow.add(p);
      for (const p of role.deny) deny.add(p);
      for (const c of role.conditional) conditional.push({ pattern: c.pattern, when: c.when, role: name });
    }
    return { roles, unknown, allow, deny, conditional };
  }
}

/** Whether a conditional grant covering `wanted` holds for this principal and resource. */
export function conditionHolds(
  entries: readonly ConditionalEntry[],
  wanted: ParsedPermission,
  principal: Principal,
  options: CheckOptions | undefined,
): boolean {
  let ctx: ConditionContext | undefined;
  for (const entry of entries) {
    if (!covers(entry.pattern, wanted)) continue;
    ctx ??= {
      principal,
      resource: options?.resource,
      tenantId: options?.tenantId ?? principal.tenantId,
    };
    if (entry.when(ctx) === true) return true;
  }
  return false;
}
