import { AuthErrors } from '../errors.js';
import { type ParsedPermission, parsePermission } from './permission.js';
import type { PermissionCondition, RoleDefinition } from './role-definition.js';

/** A role after validation: parsed patterns and its ancestors, itself first. */
export interface LoadedRole {
  readonly name: string;
  readonly parents: readonly string[];
  readonly allow: readonly ParsedPermission[];
  readonly conditional: ReadonlyArray<{ readonly pattern: ParsedPermission; readonly when: PermissionCondition }>;
  readonly deny: readonly ParsedPermission[];
  /** This role, then every role it inherits, transitively, each once (parents in declaration order). */
  readonly lineage: readonly string[];
}

const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

function configError(message: string): Error {
  return AuthErrors.AUTH_CONFIG_INVALID(message);
}

function parseIn(role: string, list: string, text: unknown): ParsedPermission {
  try {
    return parsePermission(text as string);
  } catch (err) {
    throw configError(`Role "${role}" ${list}: ${(err as Error).message}`);
  }
}

function normalise(def: RoleDefinition): Omit<LoadedRole, 'lineage'> {
  if (typeof def !== 'object' || def === null) throw configError('A role definition must be an object');
  const { name } = def;
  if (typeof name !== 'string' || !ROLE_NAME.test(name)) {
    throw configError(`Role name ${JSON.stringify(name)} must be 1-100 letters, digits or "_.:-"`);
  }
  if (!Array.isArray(def.allow)) throw configError(`Role "${name}" needs an allow list (it may be empty)`);
  if (def.deny !== undefined && !Array.isArray(def.deny)) throw configError(`Role "${name}" deny must be a list`);
  if (def.inherits !== undefined && !Array.isArray(def.inherits)) {
    throw configError(`Role "${name}" inherits must be a list of role names`);
  }
  const allow: ParsedPermission[] = [];
  const conditional: Array<{ pattern: ParsedPermission; when: PermissionCondition }> = [];
  for (const grant of def.allow) {
    if (typeof grant === 'string') {
      allow.push(parseIn(name, 'allow', grant));
    } else if (typeof grant === 'object' && grant !== null && typeof grant.when === 'function') {
      conditional.push({ pattern: parseIn(name, 'allow', grant.permission), when: grant.when });
    } else {
      throw configError(`Role "${name}" allow: each entry is a permission or { permission, when: function }`);
    }
  }
  const deny = (def.deny ?? []).map((d) => parseIn(name, 'deny', d));
  const parents = [...new Set(def.inherits ?? [])];
  for (const p of parents) {
    if (typeof p !== 'string') throw configError(`Role "${name}" inherits a non-string ${JSON.stringify(p)}`);
  }
  return { name, parents, allow, conditional, deny };
}

/** The first inheritance cycle among `roles`, as a path `a → b → a`, if there is one. */
function findCycle(roles: ReadonlyMap<string, { readonly parents: readonly string[] }>): string[] | undefined {
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (done.has(name)) return undefined;
    const at = onPath.get(name);
    if (at !== undefined) return [...path.slice(at), name];
    const role = roles.get(name);
    if (role === undefined) return undefined;
    onPath.set(name, path.length);
    path.push(name);
    for (const parent of role.parents) {
      const cycle = visit(parent);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return undefined;
  };
  for (const name of roles.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Validate role definitions on top of already loaded ones (`base`: the static roles, when loading
 * a tenant's) and compute each role's lineage. Throws `AUTH_CONFIG_INVALID` naming the problem: a
 * malformed name or permission, a duplicate (a tenant cannot redefine a static role), an unknown
 * parent, or an inheritance cycle with its whole path.
 */
export function loadRoles(
  defs: readonly RoleDefinition[],
  base: ReadonlyMap<string, LoadedRole> = new Map(),
): Map<string, LoadedRole> {
  if (!Array.isArray(defs)) throw configError('Roles must be a list of role definitions');
  const fresh = new Map<string, Omit<LoadedRole, 'lineage'>>();
  for (const def of defs) {
    const role = normalise(def);
    if (fresh.has(role.name)) throw configError(`Role "${role.name}" is defined twice`);
    if (base.has(role.name)) throw configError(`Role "${role.name}" is already defined by the static roles`);
    fresh.set(role.name, role);
  }
  for (const role of fresh.values()) {
    for (const parent of role.parents) {
      if (!fresh.has(parent) && !base.has(parent)) {
        throw configError(`Role "${role.name}" inherits unknown role "${parent}"`);
      }
    }
  }
  const cycle = findCycle(fresh);
  if (cycle) throw configError(`Roles inherit in a cycle: ${cycle.join(' → ')}`);

  const out = new Map<string, LoadedRole>(base);
  const lineageOf = (name: string): readonly string[] => {
    const loaded = out.get(name);
    if (loaded) return loaded.lineage;
    const role = fresh.get(name)!;
    const seen = new Set<string>([name]);
    for (const parent of role.parents) for (const n of lineageOf(parent)) seen.add(n);
    const full: LoadedRole = { ...role, lineage: [...seen] };
    out.set(name, full);
    return full.lineage;
  };
  for (const name of fresh.keys()) lineageOf(name);
  return out;
}
