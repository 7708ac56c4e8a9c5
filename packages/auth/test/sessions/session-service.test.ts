import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRevoker } from '../../src/sessions/session-revoker.js';
import type { AuthUser } from '../../src/users/user-store.js';
import { getWith, type Listening, listen } from '../tokens/support.js';
import { authApp, buildStack, post } from './stack.js';

const DAY_MS = 86_400_000;

async function alice(stack: ReturnType<typeof buildStack>): Promise<AuthUser> {
  return (await stack.users.findByEmail('alice@acme.test', 'acme'))!;
}

describe('SessionService', () => {
  it('lists the caller sessions with current marked, and never a secret', async () => {
    const stack = buildStack();
    const user = await alice(stack);
    const a = await stack.sessions.start(user, { ip: '203.0.113.1', userAgent: 'phone' });
    const b = await stack.sessions.start(user, { ip: '203.0.113.2', userAgent: 'laptop' });
    const list = await stack.sessions.list(user.id, b.sessionId);
    expect(list.map((s) => [s.id, s.current, s.ip, s.userAgent])).toEqual([
      [a.sessionId, false, '203.0.113.1', 'phone'],
      [b.sessionId, true, '203.0.113.2', 'laptop'],
    ]);
    expect(Object.keys(list[0]!).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastSeenAt', 'userAgent']);
    expect(list[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const text = JSON.stringify(list);
    for (const secret of [a.pair.refreshToken, a.pair.accessToken]) expect(text).not.toContain(secret);
  });

  it("answers another user's session exactly like an unknown one", async () => {
    const stack = buildStack();
    const user = await alice(stack);
    const bob = (await stack.users.findByEmail('bob@acme.test', 'acme'))!;
    const bobs = await stack.sessions.start(bob);
    await expect(stack.sessions.revoke(user.id, bobs.sessionId)).rejects.toMatchObject({
      code: 'AUTH_SESSION_NOT_FOUND',
      status: 404,
    });
    await expect(stack.sessions.revoke(user.id, 'no-such-session')).rejects.toMatchObject({
      code: 'AUTH_SESSION_NOT_FOUND',
    });
    await expect(stack.tokens.verify(bobs.pair.accessToken)).resolves.toBeDefined();
  });

  it('revokes one session, all others, or all, reaching access tokens through the deny-list', async () => {
    const stack = buildStack();
    const user = await alice(stack);
    const [s1, s2, s3, s4] = await Promise.all([1, 2, 3, 4].map(() => stack.sessions.start(user)));
    await stack.sessions.revoke(user.id, s1!.sessionId);
    await expect(stack.tokens.verify(s1!.pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    await expect(stack.sessions.revoke(user.id, s1!.sessionId)).rejects.toMatchObject({
      code: 'AUTH_SESSION_NOT_FOUND',
    });

    expect(await stack.sessions.revokeOthers(user.id, s4!.sessionId)).toBe(2);
    for (const s of [s2, s3])
      await expect(stack.tokens.verify(s!.pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    await expect(stack.tokens.verify(s4!.pair.accessToken)).resolves.toBeDefined();

    const revoker: SessionRevoker = stack.sessions;
    expect(await revoker.revokeAllForUser(user.id, 'password_reset')).toBe(1);
    await expect(stack.tokens.verify(s4!.pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    await expect(stack.sessions.refresh(s4!.pair.refreshToken)).rejects.toMatchObject({ code: 'AUTH_REFRESH_INVALID' });
    expect(await stack.sessions.list(user.id)).toEqual([]);

    const revoked = stack.audit.filter((e) => e.type === 'session.revoked');
    expect(revoked).toHaveLength(4);
    expect(revoked.at(-1)).toMatchObject({
      outcome: 'success',
      subjectId: s4!.sessionId,
      reason: 'password_reset',
      tenantId: 'acme',
    });
  });

  it('slides the refresh window and stops at the absolute cap', async () => {
    const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
    const stack = buildStack({
      now: () => clock.ms,
      refreshTtlSeconds: 10 * 86_400,
      sessionMaxAgeSeconds: 25 * 86_400,
    });
    let { pair } = await stack.sessions.start(await alice(stack));
    // Refreshes on day 9 and day 18 each renew the 10-day idle window (day 18 → day 28)...
    for (let i = 0; i < 2; i += 1) {
      clock.ms += 9 * DAY_MS;
      ({ pair } = await stack.sessions.refresh(pair.refreshToken));
    }
    // ...but the session's 25-day cap wins: on day 25 the token is over.
    clock.ms += 7 * DAY_MS;
    await expect(stack.sessions.refresh(pair.refreshToken)).rejects.toMatchObject({ code: 'AUTH_REFRESH_INVALID' });

    const idle = buildStack({ now: () => clock.ms, refreshTtlSeconds: 10 * 86_400 });
    const started = await idle.sessions.start(await alice(idle));
    clock.ms += 10 * DAY_MS + 1;
    await expect(idle.sessions.refresh(started.pair.refreshToken)).rejects.toMatchObject({
      code: 'AUTH_REFRESH_INVALID',
    });
  });

  it('records lastSeenAt and the client on refresh', async () => {
    const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
    const stack = buildStack({ now: () => clock.ms });
    const user = await alice(stack);
    const started = await stack.sessions.start(user, { ip: '198.51.100.1', userAgent: 'v1' });
    clock.ms += 60_000;
    await stack.sessions.refresh(started.pair.refreshToken, { ip: '198.51.100.2', userAgent: 'v2' });
    const [view] = await stack.sessions.list(user.id);
    expect(view).toMatchObject({ ip: '198.51.100.2', userAgent: 'v2', lastSeenAt: new Date(clock.ms).toISOString() });
  });

  it('carries amr and roles into access tokens, and refreshed roles come from the user store', async () => {
    const stack = buildStack();
    const user = await alice(stack);
    const started = await stack.sessions.start(user, {}, ['pwd', 'otp']);
    expect((await stack.tokens.verify(started.pair.accessToken)).claims).toMatchObject({
      amr: ['pwd', 'otp'],
      roles: ['admin'],
    });
    await stack.users.update(user.id, { roles: ['member'] });
    const refreshed = await stack.sessions.refresh(started.pair.refreshToken);
    expect((await stack.tokens.verify(refreshed.pair.accessToken)).claims).toMatchObject({
      amr: ['pwd', 'otp'],
      roles: ['member'],
    });
  });

  it('refuses bad durations at construction', () => {
    expect(() => buildStack({ refreshTtlSeconds: 0 })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
  });
});

describe('session routes over HTTP', () => {
  const stack = buildStack();
  let http: Listening;
  beforeAll(async () => {
    http = await listen(authApp(stack));
  });
  afterAll(() => http?.close());

  it('lists and deletes sessions; another user gets 404', async () => {
    const a = (await post(http.base, '/login', { email: 'alice@acme.test' })).body.accessToken as string;
    const b = (await post(http.base, '/login', { email: 'alice@acme.test' })).body.accessToken as string;
    const bob = (await post(http.base, '/login', { email: 'bob@acme.test' })).body.accessToken as string;
    const res = await fetch(`${http.base}/sessions`, { headers: { authorization: `Bearer ${b}` } });
    const list = (await res.json()) as Array<{ id: string; current: boolean }>;
    expect(list.map((s) => s.current)).toEqual([false, true]);
    const del = (token: string, id: string) =>
      fetch(`${http.base}/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    const notMine = await del(bob, list[0]!.id);
    expect(notMine.status).toBe(404);
    expect(((await notMine.json()) as { code: string }).code).toBe('AUTH_SESSION_NOT_FOUND');
    expect((await del(b, list[0]!.id)).status).toBe(204);
    expect((await getWith(`${http.base}/me`, { Authorization: `Bearer ${a}` })).body.code).toBe('AUTH_TOKEN_REVOKED');
  });
});
