import { randomUUID } from 'node:crypto';
import type { AuthUser, NewUser, UserPatch, UserStore } from '../../../src/users/user-store.js';

/** A small in-test UserStore (the users folder ships its own; this keeps the OAuth tests independent). */
export class TestUserStore implements UserStore {
  readonly users = new Map<string, AuthUser>();

  async findById(id: string) {
    return this.users.get(id);
  }

  async findByEmail(email: string, tenantId?: string) {
    return [...this.users.values()].find((u) => u.email === email && u.tenantId === tenantId);
  }

  async findByExternalId(provider: string, subject: string) {
    return [...this.users.values()].find((u) => u.externalIds?.[provider] === subject);
  }

  async list(filter?: { tenantId?: string }) {
    return [...this.users.values()].filter((u) => filter?.tenantId === undefined || u.tenantId === filter.tenantId);
  }

  async create(input: NewUser): Promise<AuthUser> {
    if (await this.findByEmail(input.email, input.tenantId)) throw new Error('email taken');
    const user: AuthUser = {
      id: randomUUID(),
      email: input.email,
      emailVerified: input.emailVerified ?? false,
      tenantId: input.tenantId,
      roles: input.roles ?? [],
      passwordHash: input.passwordHash,
      externalIds: input.externalIds,
      createdAt: new Date().toISOString(),
    };
    this.users.set(user.id, user);
    return user;
  }

  async update(id: string, patch: UserPatch): Promise<AuthUser> {
    const user = this.users.get(id);
    if (!user) throw new Error('no such user');
    const next = { ...user, ...patch };
    this.users.set(id, next);
    return next;
  }
}
