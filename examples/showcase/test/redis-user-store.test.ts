import { AuthErrors } from '@koaforge/auth';
import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MFA_KEY, showcaseAuthConfig } from '../src/auth.js';
import { RedisUserStore } from '../src/redis-user-store.js';
import { readSettings } from '../src/settings.js';

let redis: RedisServerHandle;
let one: RedisConnection;
let two: RedisConnection;

beforeAll(async () => {
  redis = await startRedisServer();
  one = createRedisConnection({ url: redis.url, keyPrefix: 't:' });
  two = createRedisConnection({ url: redis.url, keyPrefix: 't:' });
});
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
  await redis.stop();
});

describe('RedisUserStore', () => {
  it('round-trips a user; e-mails are normalized and unique per tenant', async () => {
    const store = new RedisUserStore(one);
    const user = await store.create({
      email: ' Dana@Acme.test ',
      tenantId: 'acme',
      roles: ['member'],
      passwordHash: '$scrypt$x',
      externalIds: { github: '42' },
    });
    expect(user).toMatchObject({ email: 'dana@acme.test', tenantId: 'acme', emailVerified: false });
    expect(await store.findById(user.id)).toEqual(user);
    expect(await store.findByEmail('DANA@acme.test', 'acme')).toEqual(user);
    expect(await store.findByEmail('dana@acme.test', 'globex')).toBeUndefined();
    expect(await store.findByEmail('dana@acme.test')).toBeUndefined();
    expect(await store.findByExternalId('github', '42')).toEqual(user);
    await expect(store.create({ email: 'dana@acme.test', tenantId: 'acme' })).rejects.toSatisfy((e: unknown) =>
      AuthErrors.AUTH_USER_EXISTS.is(e),
    );
    await expect(store.create({ email: 'other@acme.test', externalIds: { github: '42' } })).rejects.toSatisfy(
      (e: unknown) => AuthErrors.AUTH_USER_EXISTS.is(e),
    );
    // The failed create left nothing behind.
    expect(await store.findByEmail('other@acme.test')).toBeUndefined();
    await store.create({ email: 'dana@acme.test', tenantId: 'globex' });
    await store.create({ email: 'dana@acme.test' });
    expect((await store.list({ tenantId: 'acme' })).map((u) => u.id)).toEqual([user.id]);
    expect(await store.list()).toHaveLength(3);
  });

  it('of two stores creating the same e-mail at once exactly one wins', async () => {
    const a = new RedisUserStore(one);
    const b = new RedisUserStore(two);
    for (let i = 0; i < 20; i++) {
      const input = { email: `race-${i}@acme.test`, tenantId: 'acme' };
      const results = await Promise.allSettled([a.create(input), b.create(input)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect(AuthErrors.AUTH_USER_EXISTS.is(rejected?.reason)).toBe(true);
    }
  });

  it('update moves the e-mail index, refuses a taken address and clears a removed password', async () => {
    const store = new RedisUserStore(one);
    const eve = await store.create({ email: 'eve@acme.test', tenantId: 'acme', passwordHash: '$scrypt$y' });
    await store.create({ email: 'taken@acme.test', tenantId: 'acme' });
    await expect(store.update(eve.id, { email: 'taken@acme.test' })).rejects.toSatisfy((e: unknown) =>
      AuthErrors.AUTH_USER_EXISTS.is(e),
    );
    expect(await store.findById(eve.id)).toEqual(eve);
    const moved = await store.update(eve.id, { email: 'Eve2@acme.test', passwordHash: undefined, roles: ['admin'] });
    expect(moved).toMatchObject({ email: 'eve2@acme.test', roles: ['admin'] });
    expect(moved).not.toHaveProperty('passwordHash');
    expect(await store.findByEmail('eve@acme.test', 'acme')).toBeUndefined();
    expect(await store.findByEmail('eve2@acme.test', 'acme')).toEqual(moved);
    // The old address is free again.
    await store.create({ email: 'eve@acme.test', tenantId: 'acme' });
    await expect(store.update('nobody', { roles: [] })).rejects.toSatisfy((e: unknown) =>
      AuthErrors.AUTH_USER_NOT_FOUND.is(e),
    );
  });

  it('an abandoned claim (a process died mid-create) frees the address after its TTL', async () => {
    const store = new RedisUserStore(one, { claimTtlMs: 100 });
    await one.client.set(one.key('users', 'email', 'acme', 'ghost@acme.test'), 'dead-id', 'PX', 100);
    await expect(store.create({ email: 'ghost@acme.test', tenantId: 'acme' })).rejects.toSatisfy((e: unknown) =>
      AuthErrors.AUTH_USER_EXISTS.is(e),
    );
    expect(await store.findByEmail('ghost@acme.test', 'acme')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 150));
    const ghost = await store.create({ email: 'ghost@acme.test', tenantId: 'acme' });
    expect(await one.client.pttl(one.key('users', 'email', 'acme', 'ghost@acme.test'))).toBe(-1);
    expect(await store.findByEmail('ghost@acme.test', 'acme')).toEqual(ghost);
  });
});

describe('showcase MFA key', () => {
  it('development uses the fixed demo key, so processes agree; MFA_KEY wins; production requires it', () => {
    const dev = showcaseAuthConfig(readSettings({})) as { mfa: { keys: Record<string, string> } };
    expect(dev.mfa.keys).toEqual({ v1: DEMO_MFA_KEY });
    expect(DEMO_MFA_KEY).toMatch(/^[0-9a-f]{64}$/);
    const key = 'ab'.repeat(32);
    expect((showcaseAuthConfig(readSettings({ MFA_KEY: key })) as typeof dev).mfa.keys).toEqual({ v1: key });
    expect(() => showcaseAuthConfig(readSettings({ NODE_ENV: 'production', AUTH_SECRET: 'x'.repeat(32) }))).toThrow(
      /MFA_KEY/,
    );
  });
});
