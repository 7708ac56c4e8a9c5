import type Router from '@koa/router';
import * as z from 'zod';
import { AuthErrors } from '../errors.js';
import { type AuthRoutesOptions, parseBody, requirePrincipal } from './support.js';

const createKeyBody = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(z.string().min(1).max(128)).min(1).max(100),
  expiresAt: z.string().min(1).max(64).optional(),
  expiresInSeconds: z.number().int().positive().optional(),
});

/**
 * The caller's API keys:
 * - `POST {prefix}/api-keys` `{name,scopes}` → 201 `{id,key,prefix,scopes,name,createdAt}` (the key is shown once);
 * - `GET {prefix}/api-keys` → the keys without secrets;
 * - `DELETE {prefix}/api-keys/:id` → 204 (another owner's key: 404 `AUTH_API_KEY_NOT_FOUND`).
 */
export function mountApiKeyRoutes(router: Router, prefix: string, options: AuthRoutesOptions): void {
  const { services } = options;

  router.post(`${prefix}/api-keys`, async (ctx) => {
    const principal = requirePrincipal(ctx);
    const body = parseBody(ctx, createKeyBody);
    ctx.status = 201;
    ctx.body = await services.apiKeys.create(principal, body);
  });

  router.get(`${prefix}/api-keys`, async (ctx) => {
    ctx.body = await services.apiKeys.list(requirePrincipal(ctx));
  });

  router.delete(`${prefix}/api-keys/:id`, async (ctx) => {
    const principal = requirePrincipal(ctx);
    const id = ctx.params.id ?? '';
    if (id.length > 64) throw AuthErrors.AUTH_API_KEY_NOT_FOUND();
    await services.apiKeys.revoke(principal, id);
    ctx.status = 204;
  });
}
