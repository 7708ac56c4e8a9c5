import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import { currentContext, rateLimit } from '@koaforge/core';
import type { Context } from 'koa';
import * as z from 'zod';
import { normalizeEmail } from '../passwords/password-login.js';
import { type AuthRoutesOptions, parseBody } from './support.js';

const forgotBody = z.object({ email: z.string().min(1).max(320), tenant: z.string().min(1).max(128).optional() });
const resetBody = z.object({ token: z.string().min(1).max(256), password: z.string().min(1).max(4096) });

/** Count forgot-password requests per address, hashed: no e-mail addresses in rate-limit keys. */
function emailKey(ctx: Context): string | undefined {
  const email = (ctx.request as { body?: { email?: unknown } }).body?.email;
  if (typeof email !== 'string' || email.length > 320) return undefined;
  return `email:${createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 22)}`;
}

/**
 * Forgotten passwords:
 * - `POST {prefix}/auth/password/forgot` `{email}` → 202 whatever the address (limited per IP and
 *   per address); the link goes out by mail in the background;
 * - `POST {prefix}/auth/password/reset` `{token,password}` → 204; every session of the user is revoked.
 */
export function mountPasswordRoutes(router: Router, prefix: string, options: AuthRoutesOptions): void {
  const { services } = options;
  const limit = options.limiter === undefined ? {} : { limiter: options.limiter };
  const { perIp, perEmail } = services.config.reset;
  const limits = [
    rateLimit({ name: 'auth-forgot-ip', ...perIp }, limit),
    rateLimit({ name: 'auth-forgot-email', ...perEmail, key: emailKey, missingKey: 'skip' }, limit),
  ];

  router.post(`${prefix}/auth/password/forgot`, ...limits, async (ctx) => {
    const body = parseBody(ctx, forgotBody);
    await services.passwordReset.request(body.email, body.tenant ?? currentContext()?.tenant?.id);
    ctx.status = 202;
    ctx.body = { status: 'accepted' };
  });

  router.post(`${prefix}/auth/password/reset`, async (ctx) => {
    const body = parseBody(ctx, resetBody);
    await services.passwordReset.reset(body.token, body.password);
    ctx.status = 204;
  });
}
