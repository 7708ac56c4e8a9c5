import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authApp, buildStack, post, type Stack } from '../sessions/stack.js';
import { getWith, type Listening, listen } from './support.js';

// Refresh rotation over HTTP, on memory stores and on Redis.

let redis: RedisServerHandle;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await startRedisServer();
  connection = createRedisConnection({ url: redis.url, keyPrefix: 'refresh:' });
  await connection.connect();
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

describe.each(['memory', 'redis'] as const)('refresh tokens (%s)', (kind) => {
  let stack: Stack;
  let http: Listening;
  let base: string;

  beforeAll(async () => {
    stack = buildStack(kind === 'redis' ? { connection } : {});
    http = await listen(authApp(stack));
    base = http.base;
  });
  afterAll(async () => {
    await http?.close();
    await stack?.close();
  });

  const login = async () => {
    const res = await post(base, '/login', { email: 'Alice@Acme.test' });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string; tokenType: string; expiresIn: number };
  };
  const me = (token: string) => getWith(`${base}/me`, { Authorization: `Bearer ${token}` });

  it('issues a pair and rotates the refresh token on every use', async () => {
    const first = await login();
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const second = await post(base, '/refresh', { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const third = await post(base, '/refresh', { refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);
    expect((await me(third.body.accessToken as string)).status).toBe(200);
    expect(stack.audit.filter((e) => e.type === 'token.refreshed')).not.toHaveLength(0);
  });

  it('treats a rotated token presented again as reuse and revokes the whole family', async () => {
    const first = await login();
    const second = await post(base, '/refresh', { refreshToken: first.refreshToken });
    const access = second.body.accessToken as string;
    expect((await me(access)).status).toBe(200); // cached from here on

    const replay = await post(base, '/refresh', { refreshToken: first.refreshToken });
    expect(replay).toMatchObject({ status: 401, body: { code: 'AUTH_REFRESH_REUSED' } });
    // The family is gone: the newest refresh token and the (cached) access token both stop.
    expect((await post(base, '/refresh', { refreshToken: second.body.refreshToken })).body.code).toBe(
      'AUTH_REFRESH_INVALID',
    );
    expect((await me(access)).body.code).toBe('AUTH_TOKEN_REVOKED');
    expect((await me(first.accessToken)).body.code).toBe('AUTH_TOKEN_REVOKED');
    const reuse = stack.audit.find((e) => e.type === 'token.refresh_reuse_detected');
    expect(reuse).toMatchObject({ outcome: 'failure', reason: 'refresh_token_reused' });
    expect(JSON.stringify(stack.audit)).not.toContain(first.refreshToken.split('.')[1]);
  });

  it('lets exactly one of 20 parallel refreshes with one token win', async () => {
    const { refreshToken } = await login();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(base, '/refresh', { refreshToken })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 401 && r.body.code === 'AUTH_REFRESH_REUSED')).toHaveLength(19);
    // The losers' reuse revoked the family, the winner's pair included.
    expect((await post(base, '/refresh', { refreshToken: ok[0]!.body.refreshToken })).status).toBe(401);
  });

  it('refuses forged, malformed and unknown refresh tokens without touching the family', async () => {
    const { refreshToken } = await login();
    const [id] = refreshToken.split('.');
    for (const bad of [
      `${id}.${'A'.repeat(43)}`,
      'x',
      '',
      `${refreshToken}x`,
      'a.b.c',
      `${'B'.repeat(22)}.${'C'.repeat(43)}`,
    ]) {
      const res = await post(base, '/refresh', { refreshToken: bad });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'AUTH_REFRESH_INVALID' });
    }
    // A wrong secret with a real id is not reuse: the genuine token still works.
    expect((await post(base, '/refresh', { refreshToken })).status).toBe(200);
  });

  it('logout stops the access token and the refresh token', async () => {
    const pair = await login();
    expect((await me(pair.accessToken)).status).toBe(200);
    expect((await post(base, '/logout', {}, pair.accessToken)).status).toBe(204);
    const after = await me(pair.accessToken);
    expect({ status: after.status, code: after.body.code }).toEqual({ status: 401, code: 'AUTH_TOKEN_REVOKED' });
    expect(after.challenge).toBe('Bearer realm="api", error="invalid_token"');
    expect((await post(base, '/refresh', { refreshToken: pair.refreshToken })).body.code).toBe('AUTH_REFRESH_INVALID');
    expect(stack.audit.some((e) => e.type === 'logout')).toBe(true);
  });

  it('refuses to refresh for a user disabled since sign-in', async () => {
    const pair = await post(base, '/login', { email: 'bob@acme.test' });
    const bob = await stack.users.findByEmail('bob@acme.test', 'acme');
    await stack.users.update(bob!.id, { disabled: true });
    try {
      const res = await post(base, '/refresh', { refreshToken: pair.body.refreshToken });
      expect(res.body.code).toBe('AUTH_REFRESH_INVALID');
      expect((await me(pair.body.accessToken as string)).body.code).toBe('AUTH_TOKEN_REVOKED');
    } finally {
      await stack.users.update(bob!.id, { disabled: false });
    }
  });
});
