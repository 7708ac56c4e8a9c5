import { randomUUID } from 'node:crypto';
import { MemoryUserStore, PasswordHasherToken, UserStoreToken } from '@koaforge/auth';
import { definePlugin } from '@koaforge/core';

export const SEED_PASSWORD = 'correct-horse-battery-staple';

/** The seeded accounts (shared/SHOWCASE.md "Running"). */
export const SEED_USERS = [
  { id: 'usr_alice', email: 'alice@acme.test', tenantId: 'acme', role: 'admin' },
  { id: 'usr_bob', email: 'bob@acme.test', tenantId: 'acme', role: 'member' },
  { id: 'usr_carol', email: 'carol@globex.test', tenantId: 'globex', role: 'admin' },
] as const;

export const SEED_TENANTS = ['acme', 'globex'] as const;

/**
 * The showcase's user store. Users live in each process's memory, so seeded accounts get fixed
 * ids: several processes sharing Redis then agree on who a token's subject is. (Users created
 * through the API exist only in the process that created them.)
 */
export function showcaseUserStore(seed: boolean): MemoryUserStore {
  const ids: string[] = seed ? SEED_USERS.map((u) => u.id) : [];
  return new MemoryUserStore({ generateId: () => ids.shift() ?? randomUUID() });
}

/** Seeds tenants' users (unless `SHOWCASE_SEED=0`), with auth's hasher so config decides the cost. */
export const seedPlugin = definePlugin({
  name: 'showcase-seed',
  dependsOn: ['auth'],
  async setup(ctx) {
    const users = ctx.container.resolve(UserStoreToken);
    const hasher = ctx.container.resolve(PasswordHasherToken);
    const passwordHash = await hasher.hash(SEED_PASSWORD);
    for (const user of SEED_USERS) {
      if (await users.findByEmail(user.email, user.tenantId)) continue;
      await users.create({
        email: user.email,
        tenantId: user.tenantId,
        roles: [user.role],
        emailVerified: true,
        passwordHash,
      });
    }
    ctx.log.debug({ users: SEED_USERS.length }, 'seeded showcase accounts');
  },
});
