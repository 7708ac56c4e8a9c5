import type Router from '@koa/router';
import { currentContext, rateLimit } from '@koaforge/core';
import * as z from 'zod';
import { AuthErrors } from '../errors.js';
import { type AuthRoutesOptions, clientInfo, parseBody, requireSession } from './support.js';

const loginBody = z.object({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(4096),
  tenant: z.string().min(1).max(128).optional(),
});
const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) });
const mfaLoginBody = z.object({
  challengeToken: z.string().min(1).max(256),
  code: z.string().min(1).max(64),
});

/**
 * Sign-in, token refresh, the MFA second step and logout:
 * - `POST {prefix}/auth/login` `{email,password,tenant?}` → 200 token pair, or, for a user with
 *   TOTP on, 200 `{mfaRequired:true, challengeToken, expiresIn}`;
 * - `POST {prefix}/auth/mfa/totp/login` `{challengeToken, code}` → 200 token pair;
 * - `POST {prefix}/auth/refresh` `{refreshToken}` → 200 new pair (reuse: 401 `AUTH_REFRESH_REUSED`);
 * - `POST {prefix}/auth/logout` → 204.
 */
export function mountLoginRoutes(router: Router, prefix: string, options: AuthRoutesOptions): void {
  const { services } = options;
  const hops = options.trustedProxyHops ?? 0;
  const limit = options.limiter === undefined ? {} : { limiter: options.limiter };
  const { rateLimit: perIp, refreshRateLimit } = services.config.login;
  // Beside the brute-force guard: its failures land after the password check, so a parallel burst
  // could pass `check` before the first failure counts.
  const loginLimit = rateLimit({ name: 'auth-login', ...perIp }, limit);
  const refreshLimit = rateLimit({ name: 'auth-refresh', ...refreshRateLimit }, limit);

  router.post(`${prefix}/auth/login`, loginLimit, async (ctx) => {
    const body = parseBody(ctx, loginBody);
    const client = clientInfo(ctx, hops);
    // `tenant` scopes the account lookup: the body's, else the tenant the request names (header,
    // subdomain... as resolved by a tenant resolver into core's request context).
    const tenant = body.tenant ?? currentContext()?.tenant?.id;
    const user = await services.passwordLogin.login(body.email, body.password, tenant, {
      ...(client.ip === undefined ? {} : { ip: client.ip }),
    });
    if (
      services.totp !== undefined &&
      services.mfaChallenge !== undefined &&
      (await services.totp.isEnabled(user.id))
    ) {
      const challenge = await services.mfaChallenge.issue(user.id);
      ctx.body = { mfaRequired: true, challengeToken: challenge.challengeToken, expiresIn: challenge.expiresIn };
      return;
    }
    ctx.body = (await services.sessions.start(user, client, ['pwd'])).pair;
  });

  router.post(`${prefix}/auth/mfa/totp/login`, loginLimit, async (ctx) => {
    const body = parseBody(ctx, mfaLoginBody);
    if (services.mfaChallenge === undefined) throw AuthErrors.AUTH_MFA_CHALLENGE_INVALID();
    const { userId, amr } = await services.mfaChallenge.completeSignIn(body.challengeToken, body.code);
    const user = await services.users.findById(userId);
    if (user === undefined || user.disabled === true) throw AuthErrors.AUTH_MFA_CHALLENGE_INVALID();
    ctx.body = (await services.sessions.start(user, clientInfo(ctx, hops), amr)).pair;
  });

  router.post(`${prefix}/auth/refresh`, refreshLimit, async (ctx) => {
    const body = parseBody(ctx, refreshBody);
    ctx.body = (await services.sessions.refresh(body.refreshToken, clientInfo(ctx, hops))).pair;
  });

  router.post(`${prefix}/auth/logout`, async (ctx) => {
    await services.sessions.logout(requireSession(ctx));
    ctx.status = 204;
  });
}
