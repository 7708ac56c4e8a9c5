import type Router from '@koa/router';
import { CoreErrors, isKoaforgeError } from '@koaforge/core';
import type { Context } from 'koa';
import type { AuditRecorder } from '../audit/audit-event.js';
import type { OAuthCompletion, OAuthFlow, OAuthStartExtras } from './oauth-flow.js';
import type { OAuthIdentity } from './provider.js';

/** What `onLogin` may answer. */
export interface OAuthLoginResult {
  /** Send the user here instead of the transaction's return target (checked by the same policy). */
  returnTo?: string;
  /**
   * Parameters added to the target's fragment after the policy check (a one-time code): the
   * fragment stays in the browser, out of server logs and `Referer` headers.
   */
  fragment?: Record<string, string>;
}

export interface OAuthCookieOptions {
  /** Default `__Secure-kf-oauth` (or `kf-oauth` when not secure). */
  name?: string;
  /**
   * Mark the cookie `Secure`. Default true; set false only for plain-HTTP local development and
   * tests. Written directly (not through `ctx.cookies`), so it works behind a TLS-terminating proxy.
   */
  secure?: boolean;
}

export interface OAuthRoutesOptions {
  flow: OAuthFlow;
  /**
   * Called with the verified identity before the redirect: link or create the account (see
   * `OAuthAccountLinker`) and start the session here. Throw to refuse the sign-in.
   */
  onLogin: (
    identity: OAuthIdentity,
    ctx: Context,
    completion: OAuthCompletion,
    // biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing is the common case
  ) => Promise<OAuthLoginResult | void> | OAuthLoginResult | void;
  /**
   * What `/start` stores in the transaction besides the return target. Default: `?tenant=` and
   * `?codeChallenge=` (with `codeChallengeMethod` absent or `S256`).
   */
  startExtras?: (ctx: Context) => OAuthStartExtras;
  cookie?: OAuthCookieOptions;
  /** Records `oauth.login` failures (bad state, provider errors). */
  audit?: AuditRecorder;
  /**
   * Answer callback failures yourself (e.g. redirect to `/login?error=<code>`) instead of letting
   * them reach the error boundary as problem+json.
   */
  onError?: (err: unknown, ctx: Context) => Promise<void> | void;
}

/** A `Set-Cookie` value for the OAuth cookies (transaction, hand-off). */
export function serializeCookie(name: string, value: string, path: string, maxAge: number, secure: boolean): string {
  // HttpOnly: scripts never see the transaction id. SameSite=Lax: sent on the provider's top-level
  // GET redirect back to us, not on cross-site subrequests. Path: only the OAuth routes get it.
  return `${name}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** `?tenant=` and `?codeChallenge=` (`codeChallengeMethod` absent or `S256`, else 422). */
export function defaultStartExtras(ctx: Context): OAuthStartExtras {
  const method = ctx.query.codeChallengeMethod;
  if (method !== undefined && method !== 'S256') {
    throw CoreErrors.VALIDATION_FAILED(undefined, {
      details: { issues: [{ path: 'codeChallengeMethod', code: 'invalid_value', message: 'only S256 is supported' }] },
    });
  }
  return { tenantId: ctx.query.tenant, clientChallenge: ctx.query.codeChallenge };
}

/** `target` with `params` appended to its fragment (after any fragment it already has). */
export function withFragment(target: string, params: Record<string, string> | undefined): string {
  if (params === undefined || Object.keys(params).length === 0) return target;
  const hash = target.indexOf('#');
  const base = hash < 0 ? target : target.slice(0, hash);
  const existing = hash < 0 ? '' : target.slice(hash + 1);
  return `${base}#${existing === '' ? '' : `${existing}&`}${new URLSearchParams(params).toString()}`;
}

/** `target` with `params` added to its query (before any fragment). */
export function withQuery(target: string, params: Record<string, string>): string {
  const hash = target.indexOf('#');
  const base = hash < 0 ? target : target.slice(0, hash);
  const fragment = hash < 0 ? '' : target.slice(hash);
  const joiner = !base.includes('?') ? '?' : /[?&]$/.test(base) ? '' : '&';
  return `${base}${joiner}${new URLSearchParams(params).toString()}${fragment}`;
}

/**
 * Mount `GET <prefix>/<provider>/start?returnTo=` (302 to the provider with a transaction cookie)
 * and `GET <prefix>/<provider>/callback` (checks the cookie and state, exchanges the code, calls
 * `onLogin`, 302 to the return target) for every provider of the flow. Unknown providers get the
 * router's ordinary 404.
 *
 * @example
 * const flow = new OAuthFlow({ providers: [google, github], publicUrl: 'https://app.example.com' });
 * mountOAuthRoutes(router, {
 *   flow,
 *   onLogin: async (identity, ctx, { tenantId }) => {
 *     const { user } = await linker.resolve(identity, { tenantId });
 *     // hand the sign-in to the app: see OAuthHandoff (authPlugin does this for you)
 *   },
 * });
 */
export function mountOAuthRoutes(router: Router, options: OAuthRoutesOptions): void {
  const { flow, onLogin, audit, onError } = options;
  const startExtras = options.startExtras ?? defaultStartExtras;
  const secure = options.cookie?.secure ?? true;
  // `__Secure-`: browsers refuse the cookie unless set over HTTPS with Secure, so a network attacker
  // on plain HTTP cannot plant a transaction id of their choosing.
  const name = options.cookie?.name ?? (secure ? '__Secure-kf-oauth' : 'kf-oauth');
  const clear = serializeCookie(name, '', flow.cookiePath, 0, secure);

  /** `flow.finish`, recording why it refused (bad state, provider failure) when it does. */
  const finishAudited = async (providerId: string, transactionId: string | undefined, params: URLSearchParams) => {
    try {
      return await flow.finish(providerId, transactionId, params);
    } catch (err) {
      audit?.record({
        type: 'oauth.login',
        outcome: 'failure',
        actorType: 'anonymous',
        reason: isKoaforgeError(err) ? err.code : 'error',
        data: { provider: providerId },
      });
      throw err;
    }
  };

  for (const providerId of flow.providerIds) {
    router.get(`${flow.prefix}/${providerId}/start`, async (ctx) => {
      const started = await flow.start(providerId, ctx.query.returnTo, startExtras(ctx));
      ctx.set('Cache-Control', 'no-store');
      ctx.append(
        'Set-Cookie',
        serializeCookie(name, started.transactionId, flow.cookiePath, started.maxAgeSeconds, secure),
      );
      ctx.redirect(started.url.href);
    });

    router.get(`${flow.prefix}/${providerId}/callback`, async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      // The URL carries a code: never send it on as a Referer.
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.append('Set-Cookie', clear);
      try {
        const completion = await finishAudited(
          providerId,
          ctx.cookies.get(name, { signed: false }),
          new URLSearchParams(ctx.querystring),
        );
        const result = await onLogin(completion.identity, ctx, completion);
        const override = result ? result.returnTo : undefined;
        const target = override === undefined ? completion.returnTo : flow.validateReturnTo(override);
        ctx.redirect(withFragment(target, result ? result.fragment : undefined));
      } catch (err) {
        if (onError === undefined) throw err;
        await onError(err, ctx);
      }
    });
  }
}
