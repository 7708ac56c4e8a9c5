import type { Principal } from '@koaforge/core';
import { covers, overlaps, type ParsedPermission } from './permission.js';
import type { ConditionContext } from './role-definition.js';
import type { CheckOptions, RoleGraph } from './role-graph.js';
import { compileScopes } from './scope-set.js';

/**
 * Why a check answered as it did.
 * - `granted`: `grant` in `role` allowed (`conditional` when its condition held).
 * - `denied`: `deny` in `role` refused; deny wins over every allow.
 * - `outside-scopes`: an API key whose scopes do not cover the permission.
 * - `condition-failed`: only conditional grants cover it, and none held.
 * - `not-granted`: no role of the principal grants it.
 *
 * `via` is the inheritance path from a role the principal holds to `role` (`['editor', 'viewer']`).
 */
export interface Explanation {
  readonly allowed: boolean;
  readonly permission: string;
  readonly reason: 'granted' | 'denied' | 'outside-scopes' | 'condition-failed' | 'not-granted';
  readonly role?: string;
  readonly via?: readonly string[];
  readonly grant?: string;
  readonly deny?: string;
  readonly conditional?: boolean;
  readonly scopes?: readonly string[];
  /** Role names the principal holds that are not defined. */
  readonly unknownRoles?: readonly string[];
  /** One line for logs: `files:delete denied by "files:delete" in role viewer (member → viewer)`. */
  readonly message: string;
}

interface Found {
  readonly role: string;
  readonly via: readonly string[];
}

/**
 * Breadth first from each role the principal holds, so the nearest declaration is reported; calls
 * `test` with each reachable role once and returns the first for which it answers a value.
 */
function search<T>(
  graph: RoleGraph,
  held: readonly string[],
  test: (role: string) => T | undefined,
): (Found & { value: T }) | undefined {
  const seen = new Set<string>();
  const queue: Array<readonly string[]> = [];
  for (const name of held) {
    if (graph.role(name) !== undefined && !seen.has(name)) {
      seen.add(name);
      queue.push([name]);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const via = queue[i]!;
    const role = via[via.length - 1]!;
    const value = test(role);
    if (value !== undefined) return { role, via, value };
    for (const parent of graph.role(role)!.parents) {
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push([...via, parent]);
      }
    }
  }
  return undefined;
}

const path = (via: readonly string[]) => (via.length > 1 ? ` (${via.join(' → ')})` : '');

export function explainDecision(
  graph: RoleGraph,
  principal: Principal,
  wanted: ParsedPermission,
  options: CheckOptions | undefined,
): Explanation {
  const permission = wanted.text;
  const held = principal.roles ?? [];
  const compiled = graph.compile(held);
  const unknownRoles = compiled.unknown.length > 0 ? compiled.unknown : undefined;
  if (principal.type === 'apiKey' && !compileScopes(principal.scopes).covers(wanted)) {
    const scopes = principal.scopes ?? [];
    return {
      allowed: false,
      permission,
      reason: 'outside-scopes',
      scopes,
      message: `${permission} is outside the key's scopes [${scopes.join(', ')}]`,
    };
  }
  const denied = search(graph, held, (r) => graph.role(r)!.deny.find((d) => overlaps(d, wanted)));
  if (denied) {
    const deny = denied.value.text;
    return {
      allowed: false,
      permission,
      reason: 'denied',
      role: denied.role,
      via: denied.via,
      deny,
      message: `${permission} denied by "${deny}" in role ${denied.role}${path(denied.via)}`,
    };
  }
  const granted = search(graph, held, (r) => graph.role(r)!.allow.find((a) => covers(a, wanted)));
  if (granted) {
    const grant = granted.value.text;
    return {
      allowed: true,
      permission,
      reason: 'granted',
      role: granted.role,
      via: granted.via,
      grant,
      conditional: false,
      message: `${permission} granted by "${grant}" in role ${granted.role}${path(granted.via)}`,
    };
  }
  const ctx: ConditionContext = {
    principal,
    resource: options?.resource,
    tenantId: options?.tenantId ?? principal.tenantId,
  };
  const failures: Array<{ role: string; grant: string }> = [];
  const held2 = search(graph, held, (r) => {
    for (const c of graph.role(r)!.conditional) {
      if (!covers(c.pattern, wanted)) continue;
      if (c.when(ctx) === true) return c.pattern.text;
      failures.push({ role: r, grant: c.pattern.text });
    }
    return undefined;
  });
  if (held2) {
    return {
      allowed: true,
      permission,
      reason: 'granted',
      role: held2.role,
      via: held2.via,
      grant: held2.value,
      conditional: true,
      message: `${permission} granted by "${held2.value}" (condition held) in role ${held2.role}${path(held2.via)}`,
    };
  }
  const failed = failures[0];
  if (failed) {
    return {
      allowed: false,
      permission,
      reason: 'condition-failed',
      role: failed.role,
      grant: failed.grant,
      message: `${permission}: the condition of "${failed.grant}" in role ${failed.role} did not hold`,
    };
  }
  const names = held.length > 0 ? held.join(', ') : 'none';
  return {
    allowed: false,
    permission,
    reason: 'not-granted',
    unknownRoles,
    message: `${permission} is not granted by any role held (${names})${unknownRoles ? `; unknown: ${unknownRoles.join(', ')}` : ''}`,
  };
}
