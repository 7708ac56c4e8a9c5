import type Router from '@koa/router';
import { CoreErrors } from '@koaforge/core';
import * as z from 'zod';
import { AuthErrors } from '../errors.js';
import { requirePermission } from '../rbac/guards.js';
import { userView } from './account.js';
import { type AuthRoutesOptions, parseBody, requirePrincipal } from './support.js';

const createUserBody = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(4096),
  role: z.string().min(1).max(64),
});

/**
 * Users of the caller's tenant:
 * - `GET {prefix}/users` (needs `users:read`) → `[{id,email,tenant,roles,createdAt}]`;
 * - `POST {prefix}/users` `{email,password,role}` (needs `users:write`) → 201 the user.
 */
export function mountUserRoutes(router: Router, prefix: string, options: AuthRoutesOptions): void {
  const { services } = options;
  const guard = { authorizer: services.authorizer, audit: services.audit };

  router.get(`${prefix}/users`, requirePermission('users:read', guard), async (ctx) => {
    const { tenantId } = requirePrincipal(ctx);
    const users = await services.users.list(tenantId === undefined ? {} : { tenantId });
    ctx.body = users.filter((u) => u.tenantId === tenantId).map(userView);
  });

  router.post(`${prefix}/users`, requirePermission('users:write', guard), async (ctx) => {
    const principal = requirePrincipal(ctx);
    const { tenantId } = principal;
    const body = parseBody(ctx, createUserBody);
    const graph = await services.authorizer.graphFor(tenantId);
    const lineage = graph.role(body.role)?.lineage;
    if (lineage === undefined) {
      throw CoreErrors.VALIDATION_FAILED(undefined, {
        details: { issues: [{ path: 'role', code: 'invalid_value', message: 'Unknown role' }] },
      });
    }
    // No escalation through a new account: the caller must hold everything the role grants.
    const grants = lineage.flatMap((name) => graph.role(name)?.allow ?? []);
    if (!grants.every((p) => graph.mayDelegate(principal, p))) throw AuthErrors.AUTH_FORBIDDEN();
    const passwordHash = await services.hasher.hash(body.password);
    const user = await services.users.create({
      email: body.email,
      passwordHash,
      roles: [body.role],
      ...(tenantId === undefined ? {} : { tenantId }),
    });
    ctx.status = 201;
    ctx.body = userView(user);
  });
}
