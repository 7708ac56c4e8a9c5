import { describe, expect, it } from 'vitest';
import { MemoryUserStore } from '../../src/users/memory-user-store.js';

describe('MemoryUserStore', () => {
  it('stores emails lower-cased and trimmed, and finds them in any case', async () => {
    const users = new MemoryUserStore();
    const user = await users.create({ email: '  Alice@Acme.TEST ', tenantId: 'acme', roles: ['admin'] });
    expect(user).toMatchObject({ email: 'alice@acme.test', emailVerified: false, roles: ['admin'], tenantId: 'acme' });
    expect(user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await users.findByEmail('ALICE@acme.test', 'acme')).toEqual(user);
    expect(await users.findByEmail('alice@acme.test')).toBeUndefined();
    expect(await users.findByEmail('alice@acme.test', 'globex')).toBeUndefined();
    expect(await users.findById(user.id)).toEqual(user);
  });

  it('keeps emails unique per tenant (and globally among users without one)', async () => {
    const users = new MemoryUserStore({ users: [{ email: 'a@x.test', tenantId: 't1' }, { email: 'a@x.test' }] });
    await expect(users.create({ email: 'A@X.test', tenantId: 't1' })).rejects.toMatchObject({
      code: 'AUTH_USER_EXISTS',
      status: 409,
    });
    await expect(users.create({ email: 'a@x.test' })).rejects.toMatchObject({ code: 'AUTH_USER_EXISTS' });
    await expect(users.create({ email: 'a@x.test', tenantId: 't2' })).resolves.toMatchObject({ tenantId: 't2' });
    expect((await users.list({ tenantId: 't1' })).map((u) => u.email)).toEqual(['a@x.test']);
    expect(await users.list()).toHaveLength(3);
  });

  it('updates, re-indexing email and external ids, and refuses conflicts without partial changes', async () => {
    const users = new MemoryUserStore();
    const a = await users.create({ email: 'a@x.test', externalIds: { github: '1' } });
    const b = await users.create({ email: 'b@x.test' });
    const updated = await users.update(a.id, {
      email: 'A2@x.test',
      roles: ['member'],
      externalIds: { github: '1', google: 'g1' },
    });
    expect(updated).toMatchObject({ email: 'a2@x.test', roles: ['member'] });
    expect(await users.findByEmail('a@x.test')).toBeUndefined();
    expect((await users.findByEmail('a2@x.test'))?.id).toBe(a.id);
    expect((await users.findByExternalId('google', 'g1'))?.id).toBe(a.id);

    await expect(users.update(b.id, { email: 'a2@x.test' })).rejects.toMatchObject({ code: 'AUTH_USER_EXISTS' });
    await expect(users.update(b.id, { email: 'b2@x.test', externalIds: { github: '1' } })).rejects.toMatchObject({
      code: 'AUTH_USER_EXISTS',
    });
    expect((await users.findById(b.id))?.email).toBe('b@x.test');
    expect((await users.findByEmail('b@x.test'))?.id).toBe(b.id);
    await expect(users.update('nope', { disabled: true })).rejects.toMatchObject({
      code: 'AUTH_USER_NOT_FOUND',
      status: 404,
    });
  });

  it('clears a password hash with an explicit undefined and returns frozen copies', async () => {
    const users = new MemoryUserStore();
    const u = await users.create({ email: 'p@x.test', passwordHash: '$argon2id$v=19$...' });
    const cleared = await users.update(u.id, { passwordHash: undefined });
    expect(cleared.passwordHash).toBeUndefined();
    expect(Object.isFrozen(cleared)).toBe(true);
    expect(Object.isFrozen(cleared.roles)).toBe(true);
  });
});
