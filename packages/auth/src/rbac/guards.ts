import { currentContext, type Principal } from '@koaforge/core';
import type { Context, Middleware, Next } from 'koa';
import type { AuditEvent, AuditRecorder } from '../audit/audit-event.js';
import { noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { Authorizer } from './authorizer.js';
import { type ParsedPermission, parsePermission } from './permission.js';
import type { CheckOptions, RoleGraph } from './role-graph.js';

export interface GuardOptions {
  authorizer: Authorizer;
  /** Receives a `permission.denied` event for every 403. Default: none. */
  audit?: AuditRecorder;
}

export interface RouteGuardOptions {
  /**
   * The object the route acts on, for permission conditions (`{ permission: 'files:delete',
   * when: isOwner }`). Called after authentication, before the check.
   */
  resource?: (ctx: Context) => unknown;
}

/** The challenge sent with every 401 of the guards (RFC 6750 §3). */
export const BEARER_CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'Bearer realm="api"' });

interface AuthState {
  auth?: { principal?: Principal };
}

/**
 * The principal of the request: from core's request context (where `authenticate()` puts it), else
 * from `ctx.state.auth.principal` (apps that authenticate with their own middleware).
 */
export function principalOf(ctx: Context): Principal | undefined {
  return currentContext()?.principal ?? (ctx.state as AuthState).auth?.principal;
}

type Decide = (graph: RoleGraph, principal: Principal, options: CheckOptions | undefined) => boolean;
type Reason = (graph: RoleGraph, principal: Principal, options: CheckOptions | undefined) => string;

function actorType(principal: Principal): AuditEvent['actorType'] {
  switch (principal.type) {
    case 'user':
      return 'user';
    case 'apiKey':
      return 'apiKey';
    case 'service':
      return 'service';
    default:
      return undefined;
  }
}

function checkOptions(resource: unknown, hasResource: boolean): CheckOptions | undefined {
  const tenantId = currentContext()?.tenant?.id;
  if (!hasResource && tenantId === undefined) return undefined;
  return { resource, tenantId };
}

/**
 * One guard: 401 without a principal, 403 (and an audit event) when `decide` refuses. The common
 * case (tenant roles already loaded, no resource to fetch) decides without a promise of its own.
 */
function guard(options: GuardOptions, route: RouteGuardOptions, what: string, decide: Decide, reason: Reason) {
  const { authorizer } = options;
  const audit = options.audit ?? noAudit;
  const resourceOf = route.resource;

  const refuse = (ctx: Context, graph: RoleGraph, principal: Principal, opts: CheckOptions | undefined): never => {
    audit.record({
      type: 'permission.denied',
      outcome: 'failure',
      actorId: principal.id,
      actorType: actorType(principal),
      tenantId: principal.tenantId,
      reason: reason(graph, principal, opts),
      data: {
        required: what,
        method: ctx.method,
        route: (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? ctx.path,
      },
    });
    throw AuthErrors.AUTH_FORBIDDEN();
  };

  const slow = async (ctx: Context, next: Next, principal: Principal): Promise<void> => {
    const graph = await authorizer.graphFor(principal.tenantId);
    const opts = checkOptions(resourceOf === undefined ? undefined : await resourceOf(ctx), resourceOf !== undefined);
    if (!decide(graph, principal, opts)) refuse(ctx, graph, principal, opts);
    return next();
  };

  return function permissionGuard(ctx: Context, next: Next): Promise<void> {
    const principal = principalOf(ctx);
    if (principal === undefined) throw AuthErrors.AUTH_REQUIRED(undefined, { headers: { ...BEARER_CHALLENGE } });
    const graph = resourceOf === undefined ? authorizer.cachedGraph(principal.tenantId) : undefined;
    if (graph === undefined) return slow(ctx, next, principal);
    const opts = checkOptions(undefined, false);
    if (!decide(graph, principal, opts)) refuse(ctx, graph, principal, opts);
    return next();
  };
}

/**
 * Route guard: the principal must hold `permission` (API keys: and their scopes must cover it).
 * No principal → 401 `AUTH_REQUIRED`; refused → 403 `AUTH_FORBIDDEN` and a `permission.denied`
 * audit event. A malformed permission throws here, when the route is declared.
 *
 * @example
 * router.post('/users', requirePermission('users:write', { authorizer, audit }), createUser);
 */
export function requirePermission(permission: string, options: GuardOptions & RouteGuardOptions): Middleware {
  const wanted = parsePermission(permission);
  return guard(
    options,
    options,
    wanted.text,
    (graph, principal, opts) => graph.can(principal, wanted, opts),
    (graph, principal, opts) => graph.explain(principal, wanted, opts).reason,
  );
}

/** Route guard: the principal must hold at least one of `permissions`. */
export function requireAnyPermission(
  permissions: readonly string[],
  options: GuardOptions & RouteGuardOptions,
): Middleware {
  if (permissions.length === 0) throw new TypeError('requireAnyPermission needs at least one permission');
  const wanted: readonly ParsedPermission[] = permissions.map((p) => parsePermission(p));
  return guard(
    options,
    options,
    wanted.map((p) => p.text).join(' | '),
    (graph, principal, opts) => graph.canAny(principal, wanted, opts),
    (graph, principal, opts) => graph.explain(principal, wanted[0]!, opts).reason,
  );
}

/**
 * Route guard: the principal must hold `role`, directly or through inheritance. API keys pass only
 * when scoped `*`; prefer `requirePermission`, which scoped keys can satisfy.
 */
export function requireRole(role: string, options: GuardOptions): Middleware {
  if (typeof role !== 'string' || role === '') throw new TypeError('requireRole needs a role name');
  return guard(
    options,
    {},
    `role ${role}`,
    (graph, principal) => graph.hasRole(principal, role),
    () => 'role-missing',
  );
}

/** The three guards bound to one authorizer and audit recorder (what the auth plugin registers). */
export interface Guards {
  requirePermission(permission: string, options?: RouteGuardOptions): Middleware;
  requireAnyPermission(permissions: readonly string[], options?: RouteGuardOptions): Middleware;
  requireRole(role: string): Middleware;
}

/**
 * @example
 * const guards = createGuards({ authorizer, audit });
 * router.get('/users', guards.requirePermission('users:read'), listUsers);
 */
export function createGuards(options: GuardOptions): Guards {
  return {
    requirePermission: (permission, route) => requirePermission(permission, { ...options, ...route }),
    requireAnyPermission: (permissions, route) => requireAnyPermission(permissions, { ...options, ...route }),
    requireRole: (role) => requireRole(role, options),
  };
}
