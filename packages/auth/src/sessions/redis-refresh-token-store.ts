import type { RedisConnection } from '@koaforge/core';
import { ROTATE_REFRESH_TOKEN } from './redis-scripts.js';
import type { RefreshTokenRecord, RefreshTokenStore, RotationOutcome } from './refresh-token-store.js';

export interface RedisRefreshTokenStoreOptions {
  connection: RedisConnection;
  now?: () => number;
}

const OUTCOMES: Readonly<Record<number, RotationOutcome>> = { 0: 'missing', 1: 'rotated', 2: 'already-rotated' };

function fromHash(hash: Record<string, string>): RefreshTokenRecord | undefined {
  const { id, sessionId, userId, secretHash, createdAt, expiresAt } = hash;
  if (id === undefined || sessionId === undefined || userId === undefined || secretHash === undefined) return undefined;
  const record: { -readonly [K in keyof RefreshTokenRecord]: RefreshTokenRecord[K] } = {
    id,
    sessionId,
    userId,
    secretHash,
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
  };
  if (hash.rotatedAt !== undefined) record.rotatedAt = Number(hash.rotatedAt);
  if (hash.replacedBy !== undefined) record.replacedBy = hash.replacedBy;
  return Object.freeze(record);
}

/**
 * Refresh tokens in Redis: one hash per token (`auth:rt:<id>`) expiring with the token. Consuming a
 * token is {@link ROTATE_REFRESH_TOKEN}, a single-key Lua compare-and-set.
 */
export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #connection: RedisConnection;
  readonly #now: () => number;

  constructor(options: RedisRefreshTokenStoreOptions) {
    this.#connection = options.connection;
    this.#now = options.now ?? Date.now;
  }

  #key(id: string): string {
    return this.#connection.key('auth', 'rt', id);
  }

  async save(record: RefreshTokenRecord): Promise<void> {
    const key = this.#key(record.id);
    const fields: Record<string, string> = {
      id: record.id,
      sessionId: record.sessionId,
      userId: record.userId,
      secretHash: record.secretHash,
      createdAt: String(record.createdAt),
      expiresAt: String(record.expiresAt),
    };
    if (record.rotatedAt !== undefined) fields.rotatedAt = String(record.rotatedAt);
    if (record.replacedBy !== undefined) fields.replacedBy = record.replacedBy;
    const results = await this.#connection.client.multi().hset(key, fields).pexpireat(key, record.expiresAt).exec();
    for (const [err] of results ?? []) if (err) throw err;
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const record = fromHash(await this.#connection.client.hgetall(this.#key(id)));
    return record !== undefined && record.expiresAt > this.#now() ? record : undefined;
  }

  async markRotated(id: string, replacedBy: string, at: number): Promise<RotationOutcome> {
    const result = await ROTATE_REFRESH_TOKEN.run(this.#connection.client, [this.#key(id)], [at, replacedBy]);
    return OUTCOMES[Number(result)] ?? 'missing';
  }

  async delete(id: string): Promise<void> {
    await this.#connection.client.del(this.#key(id));
  }

  /** The connection belongs to the app; nothing of our own to close. */
  async close(): Promise<void> {}
}
