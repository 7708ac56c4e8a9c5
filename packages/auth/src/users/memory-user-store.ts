import { randomUUID } from 'node:crypto';
import { AuthErrors } from '../errors.js';
import type { AuthUser, NewUser, UserPatch, UserStore } from './user-store.js';

export interface MemoryUserStoreOptions {
  /** Users to create up front (seed data). */
  users?: readonly NewUser[];
  /** Id generator. Default `crypto.randomUUID`. */
  generateId?: () => string;
  now?: () => number;
}

/** Lower-cased and trimmed, as `AuthUser.email` is documented. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function emailKey(email: string, tenantId: string | undefined): string {
  // A NUL cannot occur in an email, so `t:a` + `b@x` never collides with `t:` + `ab@x`.
  return `${tenantId === undefined ? '-' : `t:${tenantId}`}\u0000${email}`;
}

function externalKey(provider: string, subject: string): string {
  return `${provider}\u0000${subject}`;
}

function freeze(user: AuthUser): AuthUser {
  return Object.freeze({
    ...user,
    roles: Object.freeze([...user.roles]),
    ...(user.externalIds === undefined ? {} : { externalIds: Object.freeze({ ...user.externalIds }) }),
  });
}

/**
 * Users in process memory, for development, tests and the showcase's seed accounts. Emails are
 * stored lower-cased and are unique per tenant (globally among users without a tenant); a provider
 * subject belongs to one user at most. Returned users are frozen copies.
 *
 * @example
 * const users = new MemoryUserStore({ users: [{ email: 'alice@acme.test', tenantId: 'acme', roles: ['admin'] }] });
 */
export class MemoryUserStore implements UserStore {
  readonly #byId = new Map<string, AuthUser>();
  readonly #byEmail = new Map<string, string>();
  readonly #byExternalId = new Map<string, string>();
  readonly #generateId: () => string;
  readonly #now: () => number;

  constructor(options: MemoryUserStoreOptions = {}) {
    this.#generateId = options.generateId ?? randomUUID;
    this.#now = options.now ?? Date.now;
    for (const user of options.users ?? []) this.#create(user);
  }

  get size(): number {
    return this.#byId.size;
  }

  async findById(id: string): Promise<AuthUser | undefined> {
    return this.#byId.get(id);
  }

  async findByEmail(email: string, tenantId?: string): Promise<AuthUser | undefined> {
    const id = this.#byEmail.get(emailKey(normalizeEmail(email), tenantId));
    return id === undefined ? undefined : this.#byId.get(id);
  }

  async findByExternalId(provider: string, subject: string): Promise<AuthUser | undefined> {
    const id = this.#byExternalId.get(externalKey(provider, subject));
    return id === undefined ? undefined : this.#byId.get(id);
  }

  async list(filter: { tenantId?: string } = {}): Promise<AuthUser[]> {
    const users = [...this.#byId.values()];
    return 'tenantId' in filter && filter.tenantId !== undefined
      ? users.filter((u) => u.tenantId === filter.tenantId)
      : users;
  }

  async create(input: NewUser): Promise<AuthUser> {
    return this.#create(input);
  }

  async update(id: string, patch: UserPatch): Promise<AuthUser> {
    const current = this.#byId.get(id);
    if (current === undefined) throw AuthErrors.AUTH_USER_NOT_FOUND();
    const next: { -readonly [K in keyof AuthUser]: AuthUser[K] } = { ...current };
    if (patch.email !== undefined) next.email = normalizeEmail(patch.email);
    if (patch.emailVerified !== undefined) next.emailVerified = patch.emailVerified;
    if (patch.roles !== undefined) next.roles = patch.roles;
    if ('passwordHash' in patch) next.passwordHash = patch.passwordHash;
    if (patch.disabled !== undefined) next.disabled = patch.disabled;
    if (patch.externalIds !== undefined) next.externalIds = patch.externalIds;
    // Check every index before touching any, so a conflict leaves the store as it was.
    const newEmailKey = emailKey(next.email, next.tenantId);
    const owner = this.#byEmail.get(newEmailKey);
    if (owner !== undefined && owner !== id) throw AuthErrors.AUTH_USER_EXISTS();
    this.#checkExternalIds(next.externalIds, id);
    this.#unindex(current);
    const stored = freeze(next);
    this.#index(stored);
    return stored;
  }

  #create(input: NewUser): AuthUser {
    const email = normalizeEmail(input.email);
    if (email === '') throw new TypeError('MemoryUserStore: email is required');
    if (this.#byEmail.has(emailKey(email, input.tenantId))) throw AuthErrors.AUTH_USER_EXISTS();
    this.#checkExternalIds(input.externalIds, undefined);
    const user: { -readonly [K in keyof AuthUser]: AuthUser[K] } = {
      id: this.#generateId(),
      email,
      emailVerified: input.emailVerified ?? false,
      roles: input.roles ?? [],
      createdAt: new Date(this.#now()).toISOString(),
    };
    if (input.tenantId !== undefined) user.tenantId = input.tenantId;
    if (input.passwordHash !== undefined) user.passwordHash = input.passwordHash;
    if (input.externalIds !== undefined) user.externalIds = input.externalIds;
    if (this.#byId.has(user.id)) throw new TypeError(`MemoryUserStore: generated id "${user.id}" is taken`);
    const stored = freeze(user);
    this.#index(stored);
    return stored;
  }

  #checkExternalIds(externalIds: Readonly<Record<string, string>> | undefined, self: string | undefined): void {
    for (const [provider, subject] of Object.entries(externalIds ?? {})) {
      const owner = this.#byExternalId.get(externalKey(provider, subject));
      if (owner !== undefined && owner !== self) {
        throw AuthErrors.AUTH_USER_EXISTS('This provider account is already linked to another user');
      }
    }
  }

  #index(user: AuthUser): void {
    this.#byId.set(user.id, user);
    this.#byEmail.set(emailKey(user.email, user.tenantId), user.id);
    for (const [provider, subject] of Object.entries(user.externalIds ?? {})) {
      this.#byExternalId.set(externalKey(provider, subject), user.id);
    }
  }

  #unindex(user: AuthUser): void {
    this.#byEmail.delete(emailKey(user.email, user.tenantId));
    for (const [provider, subject] of Object.entries(user.externalIds ?? {})) {
      this.#byExternalId.delete(externalKey(provider, subject));
    }
  }
}
