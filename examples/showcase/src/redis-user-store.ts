import { randomUUID } from 'node:crypto';
import {
  AuthErrors,
  type AuthUser,
  type NewUser,
  normalizeEmail,
  type UserPatch,
  type UserStore,
} from '@koaforge/auth';
import { type RedisClient, type RedisConnection, withScripts } from '@koaforge/core';

/**
 * Keep an index key (e-mail or provider subject → user id) for good once the user is written: still
 * ours → PERSIST; expired meanwhile and free → take it again; taken by someone else → 0.
 */
const CONFIRM_CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then redis.call('PERSIST', KEYS[1]) return 1 end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/** Delete an index key only while it still names this user. */
const RELEASE_CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Write a new user's hash unless the id is taken: 1 written, 0 taken. */
const CREATE_HASH = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

interface UserScripts {
  showcaseUsersConfirmClaim(key: string, id: string): Promise<number>;
  showcaseUsersReleaseClaim(key: string, id: string): Promise<number>;
  showcaseUsersCreateHash(key: string, ...fieldsAndValues: string[]): Promise<number>;
}

type MutableUser = { -readonly [K in keyof AuthUser]: AuthUser[K] };

const FIELDS = [
  'id',
  'email',
  'emailVerified',
  'tenantId',
  'roles',
  'passwordHash',
  'disabled',
  'externalIds',
  'createdAt',
] as const satisfies readonly (keyof AuthUser)[];

/** `_` stands for "no tenant", so a tenant literally named `_` is escaped; `:` is escaped too. */
function tenantPart(tenantId: string | undefined): string {
  if (tenantId === undefined) return '_';
  return tenantId === '_' ? '%5F' : encodeURIComponent(tenantId);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** A stored hash (every field a JSON value) back into a user; undefined when empty or malformed. */
function decode(hash: Record<string, string>): AuthUser | undefined {
  const parsed: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const raw = hash[field];
    if (raw === undefined) continue;
    try {
      parsed[field] = JSON.parse(raw) as unknown;
    } catch {
      return undefined;
    }
  }
  const { id, email, emailVerified, tenantId, roles, passwordHash, disabled, externalIds, createdAt } = parsed;
  if (typeof id !== 'string' || typeof email !== 'string' || typeof createdAt !== 'string') return undefined;
  if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string')) return undefined;
  const user: MutableUser = { id, email, emailVerified: emailVerified === true, roles, createdAt };
  if (typeof tenantId === 'string') user.tenantId = tenantId;
  if (typeof passwordHash === 'string') user.passwordHash = passwordHash;
  if (typeof disabled === 'boolean') user.disabled = disabled;
  if (isStringRecord(externalIds)) user.externalIds = externalIds;
  return user;
}

/** A user as HSET arguments: field, JSON value, field, JSON value… (absent fields left out). */
function encode(user: AuthUser): string[] {
  const args: string[] = [];
  for (const field of FIELDS) {
    const value = user[field];
    if (value !== undefined) args.push(field, JSON.stringify(value));
  }
  return args;
}

export interface RedisUserStoreOptions {
  /**
   * The id of a new user. Default `crypto.randomUUID`. The showcase gives its seeded accounts fixed
   * ids this way, so every process (and every seeding) agrees on them.
   */
  generateId?: (input: NewUser) => string;
  now?: () => number;
  /**
   * How long an index entry claimed by a create or update lives until the user is written. A
   * process that dies in between frees the e-mail after this. Default 30 s.
   */
  claimTtlMs?: number;
}

/**
 * The showcase's users in Redis, shared by every process (the app's own store, as a team would
 * write over its database). Keys, all through `connection.key(...)`:
 *
 * - `users:<id>` — hash, one JSON value per field of `AuthUser`;
 * - `users:email:<tenant|_>:<email>` — the user id; unique per tenant (`_`: no tenant), taken with
 *   `SET NX`, so of two processes creating the same address at once exactly one wins and the
 *   other gets `AUTH_USER_EXISTS`, as with `MemoryUserStore`;
 * - `users:ext:<provider>:<subject>` — the user id, unique the same way;
 * - `users:tenant:<tenant|_>` and `users:all` — sets of ids for `list()`.
 *
 * Every command and script touches one key, so it also runs on Redis Cluster. A create claims its
 * index keys with a TTL first, writes the hash, then keeps the claims for good: a process dying
 * in between blocks the address for `claimTtlMs` at most, never forever.
 */
export class RedisUserStore implements UserStore {
  readonly #connection: () => RedisConnection;
  readonly #generateId: (input: NewUser) => string;
  readonly #now: () => number;
  readonly #claimTtlMs: number;

  /** `connection` may be a getter, for a store made before the app's Redis connection exists. */
  constructor(connection: RedisConnection | (() => RedisConnection), options: RedisUserStoreOptions = {}) {
    this.#connection = typeof connection === 'function' ? connection : () => connection;
    this.#generateId = options.generateId ?? (() => randomUUID());
    this.#now = options.now ?? Date.now;
    this.#claimTtlMs = options.claimTtlMs ?? 30_000;
  }

  get #redis(): RedisClient & UserScripts {
    return withScripts<UserScripts>(this.#connection().client, {
      showcaseUsersConfirmClaim: { keys: 1, lua: CONFIRM_CLAIM },
      showcaseUsersReleaseClaim: { keys: 1, lua: RELEASE_CLAIM },
      showcaseUsersCreateHash: { keys: 1, lua: CREATE_HASH },
    });
  }

  #key(...parts: string[]): string {
    return this.#connection().key('users', ...parts);
  }

  #emailKey(email: string, tenantId: string | undefined): string {
    return this.#key('email', tenantPart(tenantId), email);
  }

  #externalKey(provider: string, subject: string): string {
    return this.#key('ext', encodeURIComponent(provider), subject);
  }

  #tenantKey(tenantId: string | undefined): string {
    return this.#key('tenant', tenantPart(tenantId));
  }

  async findById(id: string): Promise<AuthUser | undefined> {
    return decode(await this.#redis.hgetall(this.#key(id)));
  }

  async findByEmail(email: string, tenantId?: string): Promise<AuthUser | undefined> {
    const normalized = normalizeEmail(email);
    const id = await this.#redis.get(this.#emailKey(normalized, tenantId));
    if (id === null) return undefined;
    const user = await this.findById(id);
    // A claim whose user is not written yet, or left behind by an interrupted update, finds nobody.
    return user !== undefined && user.email === normalized && user.tenantId === tenantId ? user : undefined;
  }

  async findByExternalId(provider: string, subject: string): Promise<AuthUser | undefined> {
    const id = await this.#redis.get(this.#externalKey(provider, subject));
    if (id === null) return undefined;
    const user = await this.findById(id);
    return user?.externalIds?.[provider] === subject ? user : undefined;
  }

  async list(filter: { tenantId?: string } = {}): Promise<AuthUser[]> {
    const redis = this.#redis;
    const setKey = filter.tenantId === undefined ? this.#key('all') : this.#tenantKey(filter.tenantId);
    const ids = (await redis.smembers(setKey)).sort();
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#key(id));
    const results = (await pipeline.exec()) ?? [];
    const users: AuthUser[] = [];
    for (const [err, hash] of results) {
      if (err) throw err;
      const user = decode(hash as Record<string, string>);
      if (user !== undefined) users.push(user);
    }
    return users;
  }

  async create(input: NewUser): Promise<AuthUser> {
    const email = normalizeEmail(input.email);
    if (email === '') throw new TypeError('RedisUserStore: email is required');
    const user: MutableUser = {
      id: this.#generateId({ ...input, email }),
      email,
      emailVerified: input.emailVerified ?? false,
      roles: input.roles ?? [],
      createdAt: new Date(this.#now()).toISOString(),
    };
    if (input.tenantId !== undefined) user.tenantId = input.tenantId;
    if (input.passwordHash !== undefined) user.passwordHash = input.passwordHash;
    if (input.externalIds !== undefined) user.externalIds = { ...input.externalIds };

    const claims = await this.#claimIndexes(user, undefined);
    const redis = this.#redis;
    try {
      if ((await redis.showcaseUsersCreateHash(this.#key(user.id), ...encode(user))) !== 1) {
        throw new TypeError(`RedisUserStore: generated id "${user.id}" is taken`);
      }
      await this.#confirm(claims, user.id, () => redis.del(this.#key(user.id)));
    } catch (err) {
      await this.#release(claims, user.id);
      throw err;
    }
    await redis.pipeline().sadd(this.#tenantKey(user.tenantId), user.id).sadd(this.#key('all'), user.id).exec();
    return user;
  }

  async update(id: string, patch: UserPatch): Promise<AuthUser> {
    const current = await this.findById(id);
    if (current === undefined) throw AuthErrors.AUTH_USER_NOT_FOUND();
    const next: MutableUser = { ...current };
    if (patch.email !== undefined) next.email = normalizeEmail(patch.email);
    if (patch.emailVerified !== undefined) next.emailVerified = patch.emailVerified;
    if (patch.roles !== undefined) next.roles = patch.roles;
    if ('passwordHash' in patch) {
      if (patch.passwordHash === undefined) delete next.passwordHash;
      else next.passwordHash = patch.passwordHash;
    }
    if (patch.disabled !== undefined) next.disabled = patch.disabled;
    if (patch.externalIds !== undefined) next.externalIds = patch.externalIds;

    // Claim what is new before writing, so a conflict leaves the user as it was.
    const claims = await this.#claimIndexes(next, current);
    const redis = this.#redis;
    const key = this.#key(id);
    try {
      const written = await redis
        .multi()
        .del(key)
        .hset(key, ...encode(next))
        .exec();
      for (const [err] of written ?? []) if (err) throw err;
      await this.#confirm(claims, id, () => redis.del(key).then(() => redis.hset(key, ...encode(current))));
    } catch (err) {
      await this.#release(claims, id);
      throw err;
    }
    // Free what the user no longer holds.
    const stale = this.#indexKeys(current).filter((k) => !this.#indexKeys(next).includes(k));
    await this.#release(stale, id);
    return next;
  }

  /** The index keys a user holds: its e-mail and each provider subject. */
  #indexKeys(user: AuthUser): string[] {
    return [
      this.#emailKey(user.email, user.tenantId),
      ...Object.entries(user.externalIds ?? {}).map(([provider, subject]) => this.#externalKey(provider, subject)),
    ];
  }

  /**
   * Take the index keys `user` needs that `current` does not hold yet (`SET NX` with a TTL). On a
   * conflict, give back what was taken and throw `AUTH_USER_EXISTS`. Returns the keys taken.
   */
  async #claimIndexes(user: AuthUser, current: AuthUser | undefined): Promise<string[]> {
    const held = current === undefined ? [] : this.#indexKeys(current);
    const emailKey = this.#emailKey(user.email, user.tenantId);
    const redis = this.#redis;
    const claims: string[] = [];
    for (const key of this.#indexKeys(user)) {
      if (held.includes(key)) continue;
      const taken = await redis.set(key, user.id, 'PX', this.#claimTtlMs, 'NX');
      // An update may find a key already naming this user (left by an interrupted update); a create
      // never may: another process creating the same fixed id must not think the key is its own.
      if (taken === 'OK' || (current !== undefined && (await redis.get(key)) === user.id)) {
        claims.push(key);
        continue;
      }
      await this.#release(claims, user.id);
      throw key === emailKey
        ? AuthErrors.AUTH_USER_EXISTS()
        : AuthErrors.AUTH_USER_EXISTS('This provider account is already linked to another user');
    }
    return claims;
  }

  /** Make the claims permanent; if one was lost meanwhile (claim TTL passed), undo and throw. */
  async #confirm(claims: readonly string[], id: string, undo: () => Promise<unknown>): Promise<void> {
    const redis = this.#redis;
    for (const key of claims) {
      if ((await redis.showcaseUsersConfirmClaim(key, id)) !== 1) {
        await undo();
        throw AuthErrors.AUTH_USER_EXISTS();
      }
    }
  }

  async #release(keys: readonly string[], id: string): Promise<void> {
    const redis = this.#redis;
    await Promise.all(keys.map((key) => redis.showcaseUsersReleaseClaim(key, id)));
  }
}
