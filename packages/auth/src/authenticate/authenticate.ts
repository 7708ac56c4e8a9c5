import { currentContext } from '@koaforge/core';
import type { Context, Middleware } from 'koa';
import {
  type AuthState,
  CredentialAuthenticator,
  type CredentialAuthenticatorOptions,
  SLOW,
} from './credential-authenticator.js';

declare module 'koa' {
  interface DefaultState {
    /** Set by `authenticate()` when the request carried a valid credential. */
    auth?: AuthState;
  }
}

/** Either the options to build a {@link CredentialAuthenticator}, or one already built (shared with `AuthenticatorToken`). */
export type AuthenticateOptions = (CredentialAuthenticatorOptions | { authenticator: CredentialAuthenticator }) & {
  /** Let requests without any credential through (anonymous); bad credentials are still 401. Default false. */
  optional?: boolean;
};

/**
 * Koa middleware: authenticates the request by `Authorization: Bearer` or `X-Api-Key`, puts the
 * principal in core's request context and `{ principal, sessionId, tokenId }` on `ctx.state.auth`.
 * Answers 401 `AUTH_REQUIRED` (no credential, unless `optional`), `AUTH_TOKEN_INVALID`,
 * `AUTH_TOKEN_EXPIRED` or `AUTH_TOKEN_REVOKED`, each with `WWW-Authenticate`.
 *
 * @example
 * app.use(requestContext());
 * app.use(errorBoundary());
 * app.use(authenticate({ accessTokens }));
 */
export function authenticate(options: AuthenticateOptions): Middleware {
  const authenticator = 'authenticator' in options ? options.authenticator : new CredentialAuthenticator(options);
  const optional = options.optional ?? false;
  const admit = (ctx: Context, auth: AuthState | undefined): void => {
    if (auth === undefined) {
      if (!optional) throw authenticator.required();
    } else {
      currentContext()?.setPrincipal(auth.principal);
      ctx.state.auth = auth;
    }
  };
  // Not async: a cached bearer token (most requests) is decided without a promise; everything
  // else goes through `resolve`.
  return function authenticateMiddleware(ctx, next) {
    const fast = authenticator.resolveCached(ctx.req.headers);
    if (fast !== SLOW) {
      admit(ctx, fast);
      return next();
    }
    return authenticator.resolve(ctx.req.headers).then((auth) => {
      admit(ctx, auth);
      return next();
    });
  };
}
