import Router from '@koa/router';
import { bodyParser, errorBoundary, type RedisConnection, requestContext } from '@koaforge/core';
import Koa from 'koa';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { authenticate } from '../../src/authenticate/authenticate.js';
import { AuthErrors } from '../../src/errors.js';
import { MemoryRefreshTokenStore } from '../../src/sessions/memory-refresh-token-store.js';
import { MemoryRevocationStore } from '../../src/sessions/memory-revocation-store.js';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.js';
import { RedisRefreshTokenStore } from '../../src/sessions/redis-refresh-token-store.js';
import { RedisRevocationStore } from '../../src/sessions/redis-revocation-store.js';
import { RedisSessionStore } from '../../src/sessions/redis-session-store.js';
import type { RevocationStore } from '../../src/sessions/revocation-store.js';
import { SessionService, type SessionServiceOptions } from '../../src/sessions/session-service.js';
import type { AccessTokenService } from '../../src/tokens/access-token-service.js';
import { MemoryUserStore } from '../../src/users/memory-user-store.js';
import { accessTokens } from '../tokens/support.js';

export interface Stack {
  readonly users: MemoryUserStore;
  readonly tokens: AccessTokenService;
  readonly revocations: RevocationStore;
  readonly sessions: SessionService;
  readonly audit: AuditInput[];
  close(): Promise<void>;
}

/** Every service of this slice wired by hand, on memory stores or on one Redis connection. */
export function buildStack(
  options: {
    connection?: RedisConnection;
    users?: MemoryUserStore;
    now?: () => number;
  } & Partial<SessionServiceOptions> = {},
): Stack {
  const { connection, now } = options;
  const clock = now === undefined ? {} : { now };
  const users =
    options.users ??
    new MemoryUserStore({
      users: [
        { email: 'alice@acme.test', tenantId: 'acme', roles: ['admin'] },
        { email: 'bob@acme.test', tenantId: 'acme', roles: ['member'] },
      ],
    });
  const revocations =
    connection === undefined ? new MemoryRevocationStore(clock) : new RedisRevocationStore({ connection, ...clock });
  const tokens = accessTokens({ revocations, ...clock });
  const audit: AuditInput[] = [];
  const sessions = new SessionService({
    sessions:
      connection === undefined ? new MemorySessionStore(clock) : new RedisSessionStore({ connection, ...clock }),
    refreshTokens:
      connection === undefined
        ? new MemoryRefreshTokenStore(clock)
        : new RedisRefreshTokenStore({ connection, ...clock }),
    revocations,
    accessTokens: tokens,
    users,
    audit: { record: (event) => audit.push(event) },
    ...options,
  });
  return { users, tokens, revocations, sessions, audit, close: () => revocations.close() };
}

/** The auth routes of the showcase, on plain Koa, over one stack. */
export function authApp(stack: Stack): Koa {
  const { sessions, users, tokens } = stack;
  const router = new Router();
  const auth = authenticate({ accessTokens: tokens });
  const client = (ctx: Koa.Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') });
  router.post('/login', async (ctx) => {
    const { email } = ctx.request.body as { email: string };
    const user = await users.findByEmail(email, 'acme');
    if (user === undefined) throw AuthErrors.AUTH_INVALID_CREDENTIALS();
    ctx.body = (await sessions.start(user, client(ctx))).pair;
  });
  router.post('/refresh', async (ctx) => {
    const { refreshToken } = ctx.request.body as { refreshToken: string };
    ctx.body = (await sessions.refresh(refreshToken, client(ctx))).pair;
  });
  router.post('/logout', auth, async (ctx) => {
    const { principal, sessionId, tokenId } = ctx.state.auth!;
    await sessions.logout({ userId: principal.id, sessionId: sessionId!, tokenId: tokenId! });
    ctx.status = 204;
  });
  router.get('/me', auth, (ctx) => {
    ctx.body = { id: ctx.state.auth!.principal.id };
  });
  router.get('/sessions', auth, async (ctx) => {
    ctx.body = await sessions.list(ctx.state.auth!.principal.id, ctx.state.auth!.sessionId);
  });
  router.delete('/sessions/:id', auth, async (ctx) => {
    await sessions.revoke(ctx.state.auth!.principal.id, ctx.params.id!);
    ctx.status = 204;
  });
  const app = new Koa();
  app.use(requestContext());
  app.use(errorBoundary());
  app.use(bodyParser());
  app.use(router.routes());
  return app;
}

export async function post(
  base: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'contract-test/1' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
