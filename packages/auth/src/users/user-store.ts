/**
 * User accounts belong to the app: auth reads and updates them through this interface and ships
 * a memory implementation for development and tests. Implement it over your own database.
 */
export interface AuthUser {
  readonly id: string;
  /** Lower-cased, trimmed. */
  readonly email: string;
  readonly emailVerified: boolean;
  readonly tenantId?: string;
  readonly roles: readonly string[];
  /** A PHC string (argon2id or scrypt); absent for accounts that only sign in with a provider. */
  readonly passwordHash?: string;
  readonly disabled?: boolean;
  /** Provider subject ids: `{ google: '1234', github: '42' }`. */
  readonly externalIds?: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

export interface NewUser {
  email: string;
  emailVerified?: boolean;
  tenantId?: string;
  roles?: string[];
  passwordHash?: string;
  externalIds?: Record<string, string>;
}

export type UserPatch = Partial<
  Pick<AuthUser, 'email' | 'emailVerified' | 'roles' | 'passwordHash' | 'disabled' | 'externalIds'>
>;

export interface UserStore {
  findById(id: string): Promise<AuthUser | undefined>;
  /** Emails are unique per tenant (or globally when `tenantId` is undefined). */
  findByEmail(email: string, tenantId?: string): Promise<AuthUser | undefined>;
  findByExternalId(provider: string, subject: string): Promise<AuthUser | undefined>;
  list(filter?: { tenantId?: string }): Promise<AuthUser[]>;
  create(input: NewUser): Promise<AuthUser>;
  update(id: string, patch: UserPatch): Promise<AuthUser>;
}
