import type Router from '@koa/router';
import type { Principal } from '@koaforge/core';
import { AuthErrors } from '../errors.js';
import type { AuthUser } from '../users/user-store.js';
import type { AuthServices } from '../wiring/tokens.js';
import { type AuthRoutesOptions, requirePrincipal, requireSession, userIdOf } from './support.js';

/** A user as the API shows it: never a password hash or provider ids. */
export function userView(user: AuthUser): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    tenant: user.tenantId ?? null,
    roles: [...user.roles],
    createdAt: user.createdAt,
  };
}

async function me(services: AuthServices, principal: Principal): Promise<Record<string, unknown>> {
  const user = await services.users.findById(userIdOf(principal));
  if (user === undefined || user.disabled === true) throw AuthErrors.AUTH_TOKEN_INVALID();
  const { allow } = await services.authorizer.permissionsOf(principal);
  return {
    id: user.id,
    email: user.email,
    tenant: user.tenantId ?? null,
    roles: [...(principal.roles ?? user.roles)],
    permissions: allow,
  };
}

/**
 * The caller's account and sessions:
 * - `GET {prefix}/me` → `{id,email,tenant,roles,permissions}`;
 * - `GET {prefix}/auth/sessions` → `[{id,createdAt,lastSeenAt,ip,userAgent,current}]`;
 * - `DELETE {prefix}/auth/sessions/:id` → 204 (another user's session: 404 `AUTH_SESSION_NOT_FOUND`).
 */
export function mountAccountRoutes(router: Router, prefix: string, options: AuthRoutesOptions): void {
  const { services } = options;

  router.get(`${prefix}/me`, async (ctx) => {
    ctx.body = await me(services, requirePrincipal(ctx));
  });

  router.get(`${prefix}/auth/sessions`, async (ctx) => {
    const { userId, sessionId } = requireSession(ctx);
    ctx.body = await services.sessions.list(userId, sessionId);
  });

  router.delete(`${prefix}/auth/sessions/:id`, async (ctx) => {
    const { userId } = requireSession(ctx);
    const id = ctx.params.id ?? '';
    if (id.length > 128) throw AuthErrors.AUTH_SESSION_NOT_FOUND();
    await services.sessions.revoke(userId, id);
    ctx.status = 204;
  });
}
