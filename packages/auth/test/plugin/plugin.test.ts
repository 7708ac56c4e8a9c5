import { type App, AuthenticatorToken, createApp, rateLimitPlugin, redisPlugin } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authPlugin } from '../../src/plugin.js';
import { MemoryUserStore } from '../../src/users/memory-user-store.js';
import {
  AccessTokenServiceToken,
  ApiKeyServiceToken,
  AuthServicesToken,
  PasswordHasherToken,
  SessionServiceToken,
  UserStoreToken,
} from '../../src/wiring/tokens.js';

const SECRET = 'plugin-test-secret-that-is-long-enough-0123456789';
const CHEAP = { passwords: { memoryCost: 1024, timeCost: 1 } };
const ROLES = [{ name: 'admin', allow: ['*'] }];

const running: App[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

function users(): MemoryUserStore {
  return new MemoryUserStore({ users: [{ email: 'alice@acme.test', tenantId: 'acme', roles: ['admin'] }] });
}

async function boot(
  options: { auth?: Record<string, unknown>; redisUrl?: string; production?: boolean; store?: MemoryUserStore } = {},
): Promise<App> {
  const overrides: Record<string, unknown> = { auth: { ...CHEAP, roles: ROLES, ...options.auth } };
  if (options.redisUrl !== undefined) overrides.redis = { url: options.redisUrl, keyPrefix: 'plugin-test:' };
  const app = createApp({ config: { file: false, env: {}, overrides }, logger: { level: 'silent' } });
  if (options.redisUrl !== undefined) app.register(redisPlugin);
  app.register(rateLimitPlugin);
  app.register(authPlugin, {
    users: options.store ?? users(),
    ...(options.production === undefined ? {} : { production: options.production }),
  });
  await app.start();
  running.push(app);
  return app;
}

async function signIn(app: App) {
  const user = (await app.container.resolve(UserStoreToken).findByEmail('alice@acme.test', 'acme'))!;
  return app.container.resolve(SessionServiceToken).start(user, { ip: '127.0.0.1' });
}

describe('authPlugin with memory stores', () => {
  it('registers its services and core’s Authenticator, which accepts bearer tokens and API keys', async () => {
    const app = await boot({ auth: { secret: SECRET } });
    for (const token of [AuthServicesToken, AccessTokenServiceToken, SessionServiceToken, ApiKeyServiceToken]) {
      expect(app.container.isRegistered(token)).toBe(true);
    }
    const authenticator = app.container.resolve(AuthenticatorToken);
    expect(authenticator).toBe(app.container.resolve(AuthServicesToken).authenticator);

    const { pair, userId, sessionId } = await signIn(app);
    const principal = await authenticator.authenticate({ headers: { authorization: `Bearer ${pair.accessToken}` } });
    expect(principal).toMatchObject({ id: userId, type: 'user', tenantId: 'acme', sessionId, roles: ['admin'] });
    expect(await authenticator.authenticate({ headers: {}, token: pair.accessToken })).toMatchObject({ id: userId });
    expect(await authenticator.authenticate({ headers: {} })).toBeUndefined();
    await expect(authenticator.authenticate({ headers: { authorization: 'Bearer a.b.c' } })).rejects.toMatchObject({
      code: 'AUTH_TOKEN_INVALID',
    });

    const key = await app.container
      .resolve(ApiKeyServiceToken)
      .create(principal!, { name: 'ci', scopes: ['users:read'] });
    const viaKey = await authenticator.authenticate({ headers: { 'x-api-key': key.key } });
    expect(viaKey).toMatchObject({ id: key.id, type: 'apiKey', tenantId: 'acme', scopes: ['users:read'] });

    await app.container.resolve(SessionServiceToken).logout({ userId, sessionId });
    await expect(
      authenticator.authenticate({ headers: { authorization: `Bearer ${pair.accessToken}` } }),
    ).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
  });

  it('boots in development without a secret (random key) and with a default user store', async () => {
    const app = await boot({ store: new MemoryUserStore() });
    const hasher = app.container.resolve(PasswordHasherToken);
    expect(hasher.parameters).toMatchObject({ memoryCost: 1024, timeCost: 1 });
    await app.container
      .resolve(UserStoreToken)
      .create({ email: 'alice@acme.test', tenantId: 'acme', roles: ['admin'] });
    const { pair } = await signIn(app);
    const principal = await app.container
      .resolve(AuthenticatorToken)
      .authenticate({ headers: { authorization: `Bearer ${pair.accessToken}` } });
    expect(principal?.tenantId).toBe('acme');
  });

  it('refuses to boot in production without a secret, and refuses short secrets anywhere', async () => {
    await expect(boot({ production: true })).rejects.toThrow(/auth\.secret/);
    await expect(boot({ auth: { secret: 'too-short' } })).rejects.toThrow(/32 bytes/);
    await expect(boot({ production: true, auth: { secret: SECRET } })).rejects.toThrow(/mfa\.keys/);
    const app = await boot({
      production: true,
      auth: { secret: SECRET, mfa: { keys: { v1: 'a'.repeat(64) } } },
    });
    expect(app.container.isRegistered(AuthenticatorToken)).toBe(true);
  });

  it('refuses an algorithm outside the allow-list', async () => {
    await expect(boot({ auth: { secret: SECRET, algorithms: ['none'] } })).rejects.toThrow();
  });
});

describe('authPlugin with Redis', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('shares sessions, revocations and API keys between apps on one Redis', async () => {
    const one = await boot({ auth: { secret: SECRET }, redisUrl: redis.url });
    const two = await boot({ auth: { secret: SECRET }, redisUrl: redis.url, store: users() });
    // The token carries its subject: the second app verifies it without its own user record.
    const { pair, userId, sessionId } = await signIn(one);
    const other = two.container.resolve(AuthenticatorToken);
    const bearer = { authorization: `Bearer ${pair.accessToken}` };
    expect(await other.authenticate({ headers: bearer })).toMatchObject({ id: userId, sessionId });

    await one.container.resolve(SessionServiceToken).logout({ userId, sessionId });
    const deadline = Date.now() + 1000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = await other.authenticate({ headers: bearer }).then(
        () => false,
        (err: { code?: string }) => err.code === 'AUTH_TOKEN_REVOKED',
      );
      if (!refused) await new Promise((r) => setTimeout(r, 20));
    }
    expect(refused).toBe(true);
    const list = await two.container.resolve(SessionServiceToken).list(userId);
    expect(list.find((s) => s.id === sessionId)).toBeUndefined();
  });
});
