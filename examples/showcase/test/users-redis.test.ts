import { UserStoreToken } from '@koaforge/auth';
import { type App, RedisConnectionToken } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShowcase } from '../src/app.js';
import { SEED_USERS, seedUsers } from '../src/seed.js';
import { readSettings } from '../src/settings.js';
import { PASSWORD, type Pair, post, TEST_CONFIG } from './support.js';

// Users live in Redis with REDIS_URL: two showcase instances share them, and the demo MFA key.
const NEW_PASSWORD = 'a-long-enough-password-for-the-policy-42';

let redis: RedisServerHandle;
const apps: App[] = [];
let appA: App;
let a: string;
let b: string;

async function get(base: string, path: string, token: string) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function login(base: string, email: string, password = PASSWORD): Promise<Pair> {
  const res = await post(base, '/api/v1/auth/login', { email, password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as Pair;
}

async function start(): Promise<App> {
  const app = buildShowcase(readSettings({ REDIS_URL: redis.url }), {
    config: { file: false, env: {}, overrides: TEST_CONFIG },
    logger: { level: 'silent' },
  });
  apps.push(app);
  return app;
}

async function listen(app: App): Promise<string> {
  const { port } = await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  redis = await startRedisServer();
  // Both start (and seed) at once, as two processes booting together would.
  appA = await start();
  const appB = await start();
  [a, b] = await Promise.all([listen(appA), listen(appB)]);
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await redis.stop();
});

describe('showcase users with REDIS_URL: two instances share them', () => {
  it('seeding by both instances, and once more, keeps one copy of each account with its fixed id', async () => {
    const users = appA.container.resolve(UserStoreToken);
    expect(await seedUsers(users)).toBe(0);
    const acme = await users.list({ tenantId: 'acme' });
    expect(acme.map((u) => [u.id, u.email]).sort()).toEqual([
      ['usr_alice', 'alice@acme.test'],
      ['usr_bob', 'bob@acme.test'],
    ]);
    const all = await users.list();
    for (const seeded of SEED_USERS) {
      expect(all.filter((u) => u.email === seeded.email).map((u) => u.id)).toEqual([seeded.id]);
    }
    const connection = appA.container.resolve(RedisConnectionToken);
    expect(await connection.client.get(connection.key('users', 'email', 'acme', 'alice@acme.test'))).toBe('usr_alice');
    expect(await connection.client.ttl(connection.key('users', 'email', 'acme', 'alice@acme.test'))).toBe(-1);
    // Both instances see alice as the same user.
    const onA = await get(a, '/api/v1/me', (await login(a, 'alice@acme.test')).accessToken);
    const onB = await get(b, '/api/v1/me', (await login(b, 'alice@acme.test')).accessToken);
    expect(onA.body).toMatchObject({ id: 'usr_alice', email: 'alice@acme.test', tenant: 'acme' });
    expect(onB.body).toEqual(onA.body);
  });

  it('a user created on A signs in on B and is listed on both', async () => {
    const alice = await login(a, 'alice@acme.test');
    const created = await post(
      a,
      '/api/v1/users',
      { email: 'Erin@Acme.test', password: NEW_PASSWORD, role: 'member' },
      alice.accessToken,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const erin = await login(b, 'erin@acme.test', NEW_PASSWORD);
    const me = await get(b, '/api/v1/me', erin.accessToken);
    expect(me.body).toMatchObject({ id: created.body?.id, email: 'erin@acme.test', tenant: 'acme', roles: ['member'] });
    for (const base of [a, b]) {
      const list = await get(base, '/api/v1/users', alice.accessToken);
      expect((list.body as { email: string }[]).map((u) => u.email)).toContain('erin@acme.test');
    }
    // Another tenant does not see her.
    const carol = await login(b, 'carol@globex.test');
    const globex = await get(b, '/api/v1/users', carol.accessToken);
    expect((globex.body as { email: string }[]).map((u) => u.email)).toEqual(['carol@globex.test']);
  });

  it('the same e-mail created on A and B at once: one 201, one 409 AUTH_USER_EXISTS', async () => {
    const onA = await login(a, 'alice@acme.test');
    const onB = await login(b, 'alice@acme.test');
    for (let round = 0; round < 5; round++) {
      const email = `race-${round}@acme.test`;
      const body = { email, password: NEW_PASSWORD, role: 'member' };
      const results = await Promise.all([
        post(a, '/api/v1/users', body, onA.accessToken),
        post(b, '/api/v1/users', body, onB.accessToken),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)?.body).toMatchObject({ code: 'AUTH_USER_EXISTS' });
      const list = await get(a, '/api/v1/users', onA.accessToken);
      expect((list.body as { email: string }[]).filter((u) => u.email === email)).toHaveLength(1);
    }
    // Afterwards it is a plain conflict on either instance.
    const again = await post(
      b,
      '/api/v1/users',
      { email: 'race-0@acme.test', password: NEW_PASSWORD, role: 'member' },
      onB.accessToken,
    );
    expect(again).toMatchObject({ status: 409, body: { code: 'AUTH_USER_EXISTS' } });
  });

  it('TOTP enrolled on A verifies on B, and the second step of a login on B works', async () => {
    const alice = await login(a, 'alice@acme.test');
    const created = await post(
      a,
      '/api/v1/users',
      { email: 'mfa@acme.test', password: NEW_PASSWORD, role: 'member' },
      alice.accessToken,
    );
    expect(created.status).toBe(201);
    const user = await login(a, 'mfa@acme.test', NEW_PASSWORD);
    const enroll = await post(a, '/api/v1/auth/mfa/totp/enroll', undefined, user.accessToken);
    expect(enroll.status, JSON.stringify(enroll.body)).toBe(200);
    const secret = String(enroll.body?.secret);

    const now = Math.floor(Date.now() / 1000);
    const verify = await post(
      b,
      '/api/v1/auth/mfa/totp/verify',
      { code: await generate({ secret, epoch: now }) },
      user.accessToken,
    );
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);

    const first = await post(b, '/api/v1/auth/login', { email: 'mfa@acme.test', password: NEW_PASSWORD });
    expect(first.body).toMatchObject({ mfaRequired: true });
    const challengeToken = String(first.body?.challengeToken);
    const second = await post(a, '/api/v1/auth/mfa/totp/login', {
      challengeToken,
      code: await generate({ secret, epoch: now + 30 }),
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
  });
});
