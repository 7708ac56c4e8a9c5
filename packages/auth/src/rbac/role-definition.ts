import type { Principal } from '@koaforge/core';

/** What a permission condition is given. */
export interface ConditionContext {
  readonly principal: Principal;
  /** The object acted on, when the guard or caller passes one (a file record, a user…). */
  readonly resource?: unknown;
  /** The request's tenant, else the principal's. */
  readonly tenantId?: string;
}

/**
 * A check made at decision time, for grants that depend on the object acted on. Runs only when no
 * unconditional grant already allows and no deny refuses; keep it synchronous and cheap. A
 * condition that throws fails the request (a bug shows as a 500, not as a silent 403).
 */
export type PermissionCondition = (ctx: ConditionContext) => boolean;

/** A grant that holds only when its condition does: `{ permission: 'files:delete', when: isOwner }`. */
export interface ConditionalGrant {
  readonly permission: string;
  readonly when: PermissionCondition;
}

/**
 * A role. Inheritance is transitive; a role gets every allow AND every deny of the roles it
 * inherits. Deny wins over allow wherever they meet: in one role, across inheritance and across the
 * several roles of one principal.
 *
 * @example
 * const roles: RoleDefinition[] = [
 *   { name: 'viewer', allow: ['files:read', 'users:read'] },
 *   { name: 'member', inherits: ['viewer'], allow: ['files:*', { permission: 'users:write', when: isSelf }] },
 *   { name: 'admin', allow: ['*'], deny: ['billing:delete'] },
 * ];
 */
export interface RoleDefinition {
  /** Letters, digits and `_ . : -`; unique within the static roles plus one tenant's roles. */
  readonly name: string;
  readonly inherits?: readonly string[];
  readonly allow: ReadonlyArray<string | ConditionalGrant>;
  readonly deny?: readonly string[];
  readonly description?: string;
}
