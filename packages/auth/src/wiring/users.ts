import type { AuthUser, UserStore } from '../users/user-store.js';

/**
 * The user store as login and password reset see it: an e-mail looked up without a tenant is
 * found in the one tenant that holds it (SHOWCASE: `tenant` is optional at login). An address
 * held by several tenants stays ambiguous and is not found: the client must name the tenant.
 */
export function tenantAgnosticUsers(users: UserStore): UserStore {
  return {
    findById: (id) => users.findById(id),
    findByExternalId: (provider, subject) => users.findByExternalId(provider, subject),
    list: (filter) => users.list(filter),
    create: (input) => users.create(input),
    update: (id, patch) => users.update(id, patch),
    async findByEmail(email: string, tenantId?: string): Promise<AuthUser | undefined> {
      const exact = await users.findByEmail(email, tenantId);
      if (exact !== undefined || tenantId !== undefined) return exact;
      const holders = (await users.list()).filter((u) => u.email === email);
      return holders.length === 1 ? holders[0] : undefined;
    },
  };
}
