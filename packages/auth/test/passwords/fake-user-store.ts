import { randomUUID } from 'node:crypto';
import type { AuthUser, NewUser, UserPatch, UserStore } from '../../src/users/user-store.js';

/**
 * A test double for `UserStore` (the real memory store is another engineer's): a Map, e-mails
 * unique per tenant, and a log of `update` calls.
 */
export class FakeUserStore implements UserStore {
  readonly users = new Map<string, AuthUser>();
  readonly updates: Array<{ id: string; patch: UserPatch }> = [];

  async findById(id: string): Promise<AuthUser | undefined> {
    return this.users.get(id);
  }

  async findByEmail(email: string, tenantId?: string): Promise<AuthUser | undefined> {
    for (const user of this.users.values()) if (user.email === email && user.tenantId === tenantId) return user;
    return undefined;
  }

  async findByExternalId(provider: string, subject: string): Promise<AuthUser | undefined> {
    for (const user of this.users.values()) if (user.externalIds?.[provider] === subject) return user;
    return undefined;
  }

  async list(filter: { tenantId?: string } = {}): Promise<AuthUser[]> {
    return [...this.users.values()].filter((u) => filter.tenantId === undefined || u.tenantId === filter.tenantId);
  }

  async create(input: NewUser): Promise<AuthUser> {
    const user: AuthUser = {
      id: randomUUID(),
      email: input.email.trim().toLowerCase(),
      emailVerified: input.emailVerified ?? false,
      roles: input.roles ?? [],
      createdAt: new Date().toISOString(),
      ...(input.tenantId !== undefined && { tenantId: input.tenantId }),
      ...(input.passwordHash !== undefined && { passwordHash: input.passwordHash }),
      ...(input.externalIds !== undefined && { externalIds: input.externalIds }),
    };
    this.users.set(user.id, user);
    return user;
  }

  async update(id: string, patch: UserPatch): Promise<AuthUser> {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    this.updates.push({ id, patch });
    const next = { ...user, ...patch };
    this.users.set(id, next);
    return next;
  }
}

/** Cheap Argon2id parameters for tests (two shared cores); production defaults are OWASP's. */
export const TEST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

export const PASSWORD = 'correct-horse-battery-staple';
