import type { RedisConnection } from '@koaforge/core';
import type { ResetTokenRecord, ResetTokenStore } from './reset-token-store.js';

/**
 * Reset tokens in Redis, shared by every process. Keys (under the connection's prefix):
 * `auth:reset:t:<sha256>` → `{"userId","expiresAt"}` and `auth:reset:u:<userId>` → the hash of the
 * user's current token, both expiring with the token.
 *
 * Every operation touches one key at a time, so it works unchanged on Redis Cluster. `take` is
 * `GETDEL` (Redis ≥ 6.2): one atomic read-and-delete, so of many concurrent takes exactly one gets
 * the record. A token is valid only while the user's pointer still names it, which is how a newer
 * `put` voids older tokens without a multi-key transaction.
 */
export class RedisResetTokenStore implements ResetTokenStore {
  readonly #connection: RedisConnection;

  constructor(options: { connection: RedisConnection }) {
    this.#connection = options.connection;
  }

  async put(tokenHash: string, record: ResetTokenRecord, ttlMs: number): Promise<void> {
    const { client } = this.#connection;
    const px = Math.max(1, Math.ceil(ttlMs));
    const value = JSON.stringify({ userId: record.userId, expiresAt: record.expiresAt });
    // Token first, pointer second: a token is never named by a pointer before it exists.
    await client.set(this.#tokenKey(tokenHash), value, 'PX', px);
    const previous = await client.set(this.#userKey(record.userId), tokenHash, 'PX', px, 'GET');
    if (previous !== null && previous !== tokenHash) await client.del(this.#tokenKey(previous));
  }

  async take(tokenHash: string): Promise<ResetTokenRecord | undefined> {
    const { client } = this.#connection;
    const raw = await client.getdel(this.#tokenKey(tokenHash));
    if (raw === null) return undefined;
    const record = parseRecord(raw);
    if (record === undefined) return undefined;
    const current = await client.get(this.#userKey(record.userId));
    return current === tokenHash ? record : undefined;
  }

  async voidForUser(userId: string): Promise<void> {
    const { client } = this.#connection;
    const current = await client.getdel(this.#userKey(userId));
    if (current !== null) await client.del(this.#tokenKey(current));
  }

  #tokenKey(tokenHash: string): string {
    return this.#connection.key('auth', 'reset', 't', tokenHash);
  }

  #userKey(userId: string): string {
    return this.#connection.key('auth', 'reset', 'u', userId);
  }
}

function parseRecord(raw: string): ResetTokenRecord | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { userId, expiresAt } = value as Record<string, unknown>;
    if (typeof userId !== 'string' || typeof expiresAt !== 'number') return undefined;
    return { userId, expiresAt };
  } catch {
    return undefined;
  }
}
