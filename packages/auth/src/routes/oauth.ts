import type Router from '@koa/router';
import { currentContext, isKoaforgeError, rateLimit } from '@koaforge/core';
import type { Context } from 'koa';
import * as z from 'zod';
import { AuthErrors } from '../errors.js';
import { OAuthAccountLinker } from '../oauth/account-linker.js';
import { OAuthHandoff, type OAuthHandoffStore } from '../oauth/handoff.js';
import type { OAuthConfig } from '../oauth/oauth-config.js';
import { OAuthFlow } from '../oauth/oauth-flow.js';
import { createOAuthProviders } from '../oauth/providers/provider-config.js';
import { defaultStartExtras, mountOAuthRoutes, serializeCookie, withQuery } from '../oauth/routes.js';
import type { OAuthTransactionStore } from '../oauth/transaction.js';
import { tenantAgnosticUsers } from '../wiring/users.js';
import { type AuthRoutesOptions, clientInfo, parseBody } from './support.js';

export interface OAuthSignInOptions extends AuthRoutesOptions {
  config: OAuthConfig;
  /** Used when `config.publicUrl` is unset (`authPlugin` passes `auth.reset.origin`). */
  publicUrl: string;
  transactions?: OAuthTransactionStore;
  handoffs?: OAuthHandoffStore;
}

export interface OAuthSignIn {
  readonly flow: OAuthFlow;
  readonly handoff: OAuthHandoff;
}

const exchangeBody = z.object({
  code: z.string().min(1).max(64),
  codeVerifier: z.string().min(1).max(128).optional(),
});

/** The fragment parameter carrying the one-time code to the app's return URL. */
export const OAUTH_CODE_PARAM = 'oauth_code';

/**
 * OAuth sign-in on the auth HTTP API, with the hand-off to the app:
 * - `GET {prefix}/auth/oauth/<provider>/start?returnTo=&tenant=&codeChallenge=` → 302 to the provider;
 * - `GET {prefix}/auth/oauth/<provider>/callback` → the account is found, linked or (with
 *   `allowSignup`) created, then 302 to `returnTo#oauth_code=<one-time code>` with a hand-off cookie;
 * - `POST {prefix}/auth/oauth/exchange` `{code, codeVerifier?}` from that browser → 200 the login
 *   answer: the token pair, or `{mfaRequired, challengeToken, expiresIn}` for a user with TOTP on.
 */
export function mountOAuthSignIn(router: Router, prefix: string, options: OAuthSignInOptions): OAuthSignIn {
  const { services, config } = options;
  const hops = options.trustedProxyHops ?? 0;
  const publicUrl = config.publicUrl ?? options.publicUrl;
  const providers = createOAuthProviders(config.providers);
  // Providers pinned to a tenant, by their (defaulted) id: createOAuthProviders keeps config order.
  const pinned = new Map(providers.map((provider, i) => [provider.id, config.providers[i]?.tenant]));
  const flow = new OAuthFlow({
    providers,
    publicUrl,
    prefix: `${prefix}/auth/oauth`,
    returnTo: config.returnTo,
    transactionTtlSeconds: config.transactionTtlSeconds,
    ...(options.transactions === undefined ? {} : { transactions: options.transactions }),
  });
  const handoff = new OAuthHandoff({
    ttlSeconds: config.codeTtlSeconds,
    ...(options.handoffs === undefined ? {} : { store: options.handoffs }),
  });
  // OAuthFlow has checked publicUrl is an http(s) URL.
  const secure = config.secureCookies ?? new URL(publicUrl).protocol === 'https:';
  // Same path as the transaction cookie: sent to the callback and to the exchange, nowhere else.
  const codeCookie = secure ? '__Secure-kf-oauth-code' : 'kf-oauth-code';
  const clearCodeCookie = serializeCookie(codeCookie, '', flow.cookiePath, 0, secure);
  const linker = new OAuthAccountLinker({
    users: tenantAgnosticUsers(services.users),
    audit: services.audit,
    allowSignup: config.allowSignup,
    unverifiedEmail: config.unverifiedEmail,
    defaultRoles: config.defaultRoles,
  });

  const errorRedirect =
    config.errorRedirect === undefined ? undefined : checkedErrorRedirect(flow, config.errorRedirect);

  const limit = options.limiter === undefined ? {} : { limiter: options.limiter };
  // `/start` writes a transaction per call without authentication: limited per client like login.
  const startLimit = rateLimit({ name: 'auth-oauth-start', ...services.config.login.rateLimit }, limit);
  router.use(`${flow.prefix}/:provider/start`, startLimit);
  mountOAuthRoutes(router, {
    flow,
    cookie: { secure },
    audit: services.audit,
    ...(errorRedirect === undefined
      ? {}
      : { onError: (err: unknown, ctx: Context) => redirectError(err, ctx, errorRedirect) }),
    startExtras: (ctx) => {
      const extras = defaultStartExtras(ctx);
      // The tenant the request names (`?tenant=`, or what the tenant resolver found): a lookup
      // scope like `tenant` at password login. The provider's verified identity still decides who.
      return { ...extras, tenantId: extras.tenantId ?? currentContext()?.tenant?.id };
    },
    onLogin: async (identity, ctx, completion) => {
      const fixed = pinned.get(identity.provider);
      if (fixed !== undefined && completion.tenantId !== undefined && completion.tenantId !== fixed) {
        throw AuthErrors.AUTH_FORBIDDEN('This provider signs in to another tenant');
      }
      const tenantId = fixed ?? completion.tenantId;
      const { user } = await linker.resolve(identity, tenantId === undefined ? {} : { tenantId });
      const issued = await handoff.issue({
        userId: user.id,
        provider: identity.provider,
        tenantId: user.tenantId,
        clientChallenge: completion.clientChallenge,
      });
      ctx.append(
        'Set-Cookie',
        serializeCookie(codeCookie, issued.binder, flow.cookiePath, issued.maxAgeSeconds, secure),
      );
      return { fragment: { [OAUTH_CODE_PARAM]: issued.code } };
    },
  });

  const exchangeLimit = rateLimit({ name: 'auth-oauth-exchange', ...services.config.login.rateLimit }, limit);
  router.post(`${flow.prefix}/exchange`, exchangeLimit, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const body = parseBody(ctx, exchangeBody);
    ctx.append('Set-Cookie', clearCodeCookie);
    const grant = await handoff.redeem(body.code, ctx.cookies.get(codeCookie, { signed: false }), body.codeVerifier);
    const user = await services.users.findById(grant.userId);
    // Disabled (or deleted) between the callback and now: no session.
    if (user === undefined || user.disabled === true) throw AuthErrors.AUTH_OAUTH_CODE_INVALID();
    // The provider proved who it is; a second factor the user turned on here still applies.
    if (
      services.totp !== undefined &&
      services.mfaChallenge !== undefined &&
      (await services.totp.isEnabled(user.id))
    ) {
      const challenge = await services.mfaChallenge.issue(user.id, 'oauth');
      ctx.body = { mfaRequired: true, challengeToken: challenge.challengeToken, expiresIn: challenge.expiresIn };
      return;
    }
    ctx.body = (await services.sessions.start(user, clientInfo(ctx, hops), ['oauth'])).pair;
  });

  return { flow, handoff };
}

/** `auth.oauth.errorRedirect`, checked at boot against the same policy as `returnTo`. */
function checkedErrorRedirect(flow: OAuthFlow, target: string): string {
  try {
    return flow.validateReturnTo(target);
  } catch {
    throw AuthErrors.AUTH_CONFIG_INVALID(
      `auth.oauth.errorRedirect "${target}" is not allowed by auth.oauth.returnTo (allowed URLs, or a relative path)`,
    );
  }
}

/**
 * A failed callback, sent back to the app's page with its stable code instead of a JSON page in the
 * browser. Only the code and the request id travel: never the cause. Errors that are not the
 * catalogue's (bugs) still reach the error boundary, which logs them and answers 500.
 */
function redirectError(err: unknown, ctx: Context, target: string): void {
  if (!isKoaforgeError(err)) throw err;
  const rc = ctx.state.requestContext;
  if (err.status >= 500) rc?.log.warn({ err }, 'OAuth callback failed');
  ctx.redirect(withQuery(target, { error: err.code, ...(rc === undefined ? {} : { requestId: rc.requestId }) }));
}
