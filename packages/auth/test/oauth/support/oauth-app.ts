import Router from '@koa/router';
import { errorBoundary } from '@koaforge/core';
import Koa from 'koa';
import { OAuthFlow, type OAuthFlowOptions } from '../../../src/oauth/oauth-flow.js';
import type { OAuthIdentity } from '../../../src/oauth/provider.js';
import { mountOAuthRoutes, type OAuthRoutesOptions } from '../../../src/oauth/routes.js';
import { browse, type CookieJar, location } from './cookie-jar.js';
import type { Listening } from './listen.js';

export interface OAuthTestApp {
  readonly url: string;
  readonly flow: OAuthFlow;
  /** Identities `onLogin` was called with. */
  readonly logins: OAuthIdentity[];
  /** Errors the error boundary answered, with their causes (to check why a callback failed). */
  readonly errors: unknown[];
}

/** The error's message followed by its causes' messages, for assertions on why something failed. */
export function explain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const { error, error_description: description } = current as { error?: unknown; error_description?: unknown };
    parts.push(typeof error === 'string' ? `${current.message} (${error}: ${String(description)})` : current.message);
    current = current.cause;
  }
  return parts.join(' <- ');
}

/**
 * A plain Koa app (error boundary + router) with the OAuth routes, served by `listening`. The
 * cookie is not `Secure` unless asked: the tests speak plain HTTP on loopback.
 */
export function mountOAuthApp(
  listening: Listening,
  options: Omit<OAuthFlowOptions, 'publicUrl'> & Partial<Omit<OAuthRoutesOptions, 'flow'>>,
): OAuthTestApp {
  const logins: OAuthIdentity[] = [];
  const errors: unknown[] = [];
  const flow = new OAuthFlow({ ...options, publicUrl: listening.url });
  const router = new Router();
  mountOAuthRoutes(router, {
    flow,
    cookie: options.cookie ?? { secure: false },
    audit: options.audit,
    onError: options.onError,
    onLogin: async (identity, ctx, completion) => {
      logins.push(identity);
      return options.onLogin?.(identity, ctx, completion);
    },
  });
  const koa = new Koa();
  koa.use(errorBoundary({ onError: (err) => errors.push(err) }));
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  listening.handle(koa.callback());
  return { url: listening.url, flow, logins, errors };
}

/** GET `/start` as the browser; answers the provider URL it redirects to. */
export async function startLogin(
  jar: CookieJar,
  appUrl: string,
  provider: string,
  returnTo?: string,
): Promise<{ res: Response; authorizationUrl: URL }> {
  const url = new URL(`/auth/oauth/${provider}/start`, appUrl);
  if (returnTo !== undefined) url.searchParams.set('returnTo', returnTo);
  const res = await browse(jar, url);
  await res.body?.cancel();
  return { res, authorizationUrl: location(res, url) };
}

/** GET the callback as the browser; answers the response and its JSON body when there is one. */
export async function callback(jar: CookieJar, url: URL): Promise<{ res: Response; body: Record<string, unknown> }> {
  const res = await browse(jar, url);
  const text = await res.text();
  const body = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : {};
  return { res, body };
}
