import { CoreErrors, clientIp, type Principal, type RateLimiter } from '@koaforge/core';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { AuthState } from '../authenticate/credential-authenticator.js';
import { AuthErrors } from '../errors.js';
import { BEARER_CHALLENGE, principalOf } from '../rbac/guards.js';
import type { ClientInfo } from '../sessions/session-service.js';
import type { AuthServices } from '../wiring/tokens.js';

/** What every route function takes. */
export interface AuthRoutesOptions {
  services: AuthServices;
  /** Reverse proxies in front of the app, for the client IP (core's `http.trustProxyHops`). Default 0. */
  trustedProxyHops?: number;
  /**
   * The limiter for the routes' own policies (login, refresh, forgot-password). Default: the app's
   * (`RateLimiterToken`) when the request has a koaforge context, else one in this process.
   */
  limiter?: RateLimiter;
}

/** One issue of a refused body, as the 422 answer lists it. */
export interface BodyIssue {
  path: string;
  code: string;
  message: string;
}

/**
 * The request body checked against `schema`: 422 `VALIDATION_FAILED` with `issues` otherwise.
 * Messages are zod's, which never echo the value (no password lands in an answer or a log).
 */
export function parseBody<S extends z.ZodType>(ctx: Context, schema: S): z.output<S> {
  const result = schema.safeParse((ctx.request as { body?: unknown }).body ?? {});
  if (result.success) return result.data;
  const issues: BodyIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
  throw CoreErrors.VALIDATION_FAILED(undefined, { details: { issues } });
}

/** The caller, or 401 `AUTH_REQUIRED`. */
export function requirePrincipal(ctx: Context): Principal {
  const principal = principalOf(ctx);
  if (principal === undefined) throw AuthErrors.AUTH_REQUIRED(undefined, { headers: { ...BEARER_CHALLENGE } });
  return principal;
}

/** A signed-in user with a session (a bearer token): API keys have no session to end or list. */
export function requireSession(ctx: Context): { userId: string; sessionId: string; tokenId?: string } {
  const principal = requirePrincipal(ctx);
  const auth = ctx.state.auth as AuthState | undefined;
  const sessionId = auth?.sessionId ?? principal.sessionId;
  if (principal.type !== 'user' || sessionId === undefined) {
    throw AuthErrors.AUTH_FORBIDDEN('This needs a signed-in user, not an API key');
  }
  return {
    userId: principal.id,
    sessionId,
    ...(auth?.tokenId === undefined ? {} : { tokenId: auth.tokenId }),
  };
}

/** The user a principal acts for: itself, or an API key's owner. */
export function userIdOf(principal: Principal): string {
  const owner = principal.claims?.ownerId;
  return principal.type === 'apiKey' && typeof owner === 'string' ? owner : principal.id;
}

const MAX_USER_AGENT = 512;

export function clientInfo(ctx: Context, trustedProxyHops: number): ClientInfo {
  const ip = clientIp(ctx, { trustedProxyHops });
  const userAgent = ctx.get('user-agent').slice(0, MAX_USER_AGENT);
  return { ...(ip === undefined ? {} : { ip }), ...(userAgent === '' ? {} : { userAgent }) };
}
