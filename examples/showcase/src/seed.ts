import { randomUUID } from 'node:crypto';
import { AuthErrors, MemoryUserStore, type UserStore, UserStoreToken } from '@koaforge/auth';
import { definePlugin, type RedisConnection } from '@koaforge/core';
import { RedisUserStore } from './redis-user-store.js';

export const SEED_PASSWORD = 'correct-horse-battery-staple';

/** The seeded accounts (shared/SHOWCASE.md "Running"). */
export const SEED_USERS = [
  { id: 'usr_alice', email: 'alice@acme.test', tenantId: 'acme', role: 'admin' },
  { id: 'usr_bob', email: 'bob@acme.test', tenantId: 'acme', role: 'member' },
  { id: 'usr_carol', email: 'carol@globex.test', tenantId: 'globex', role: 'admin' },
] as const;

export const SEED_TENANTS = [
  { id: 'acme', name: 'Acme' },
  { id: 'globex', name: 'Globex' },
] as const;

/** Fixed ids of the seeded accounts, by tenant and e-mail. */
const SEED_IDS = new Map<string, string>(SEED_USERS.map((u) => [`${u.tenantId}\u0000${u.email}`, u.id]));

/**
 * The showcase's user store. Seeded accounts get fixed ids, so several processes (and several
 * seedings) agree on who a token's subject is.
 *
 * - Without Redis: users live in this process's memory.
 * - With Redis (`connection` given, maybe as a getter for a connection made later by
 *   `redisPlugin`): users live in Redis ({@link RedisUserStore}) and every process shares them.
 */
export function showcaseUserStore(seed: boolean, connection?: RedisConnection | (() => RedisConnection)): UserStore {
  if (connection !== undefined) {
    return new RedisUserStore(connection, {
      generateId: (input) =>
        (seed ? SEED_IDS.get(`${input.tenantId ?? ''}\u0000${input.email}`) : undefined) ?? randomUUID(),
    });
  }
  const ids: string[] = seed ? SEED_USERS.map((u) => u.id) : [];
  return new MemoryUserStore({ generateId: () => ids.shift() ?? randomUUID() });
}

/**
 * Seeds the tenants' users (unless `SHOWCASE_SEED=0`) with {@link SEED_PASSWORD_HASH}. Idempotent: an account that exists (by its fixed id or its e-mail) is left alone, and of
 * several processes seeding one Redis at once exactly one creates each account. Runs on start,
 * after Redis is connected.
 */
/**
 * Argon2id (OWASP parameters) of the seed password, made once offline as a real seed file ships
 * hashes: hashing at boot would put ~40 ms of CPU on the start path. A login under other configured
 * parameters rehashes it (`needsRehash`), so config still decides the cost.
 */
export const SEED_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,p=1,t=2$D0tTCJU6atYbUu+uVPAX8w$odY7XVVQLjzY2AeIMhI1kJ9Qlfxa78c5M4Sm04CRW7E';

export async function seedUsers(users: UserStore): Promise<number> {
  let created = 0;
  const passwordHash = SEED_PASSWORD_HASH;
  for (const user of SEED_USERS) {
    if ((await users.findById(user.id)) || (await users.findByEmail(user.email, user.tenantId))) continue;
    try {
      await users.create({
        email: user.email,
        tenantId: user.tenantId,
        roles: [user.role],
        emailVerified: true,
        passwordHash,
      });
      created++;
    } catch (err) {
      // Another process seeding the same Redis won the race: the account exists, as wanted.
      if (!AuthErrors.AUTH_USER_EXISTS.is(err)) throw err;
    }
  }
  return created;
}

export const seedPlugin = definePlugin({
  name: 'showcase-seed',
  dependsOn: ['auth'],
  setup(ctx) {
    ctx.onStart(async () => {
      const users = ctx.container.resolve(UserStoreToken);
      const created = await seedUsers(users);
      ctx.log.debug({ users: SEED_USERS.length, created }, 'seeded showcase accounts');
    });
  },
});
