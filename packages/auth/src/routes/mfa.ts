import type Router from '@koa/router';
import * as z from 'zod';
import { AuthErrors } from '../errors.js';
import type { TotpMfa } from '../mfa/totp-mfa.js';
import { type AuthRoutesOptions, parseBody, requireSession } from './support.js';

const verifyBody = z.object({ code: z.string().min(1).max(64) });

/**
 * TOTP enrollment of the signed-in user (the sign-in second step is in the login routes):
 * - `POST {prefix}/auth/mfa/totp/enroll` → `{secret, otpauthUri}` (pending until verified);
 * - `POST {prefix}/auth/mfa/totp/verify` `{code}` → `{recoveryCodes}` (shown once); MFA is on.
 */
export function mountMfaRoutes(router: Router, prefix: string, options: AuthRoutesOptions): void {
  const { services } = options;
  const totp = (): TotpMfa => {
    if (services.totp === undefined) throw AuthErrors.AUTH_MFA_NOT_ENROLLED('MFA is not enabled on this server');
    return services.totp;
  };

  router.post(`${prefix}/auth/mfa/totp/enroll`, async (ctx) => {
    const { userId } = requireSession(ctx);
    const user = await services.users.findById(userId);
    if (user === undefined) throw AuthErrors.AUTH_TOKEN_INVALID();
    const { secret, uri } = await totp().enroll(user.id, user.email);
    ctx.body = { secret, otpauthUri: uri };
  });

  router.post(`${prefix}/auth/mfa/totp/verify`, async (ctx) => {
    const { userId } = requireSession(ctx);
    const body = parseBody(ctx, verifyBody);
    ctx.body = await totp().confirmEnrollment(userId, body.code);
  });
}
