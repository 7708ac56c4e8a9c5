import type { RedisConnection } from '@koaforge/core';
import { CREATE_SESSION, REVOKE_SESSION, TOUCH_SESSION } from './redis-scripts.js';
import { isSessionLive, type SessionRecord, type SessionSeen, type SessionStore } from './session-store.js';

export interface RedisSessionStoreOptions {
  connection: RedisConnection;
  now?: () => number;
}

function toFields(record: SessionRecord): string[] {
  const fields = [
    'id',
    record.id,
    'userId',
    record.userId,
    'createdAt',
    String(record.createdAt),
    'lastSeenAt',
    String(record.lastSeenAt),
    'expiresAt',
    String(record.expiresAt),
  ];
  if (record.tenantId !== undefined) fields.push('tenantId', record.tenantId);
  if (record.ip !== undefined) fields.push('ip', record.ip);
  if (record.userAgent !== undefined) fields.push('userAgent', record.userAgent);
  if (record.amr !== undefined) fields.push('amr', JSON.stringify(record.amr));
  return fields;
}

function fromHash(hash: Record<string, string>): SessionRecord | undefined {
  const { id, userId, createdAt, lastSeenAt, expiresAt } = hash;
  if (id === undefined || userId === undefined || createdAt === undefined || expiresAt === undefined) return undefined;
  const record: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
    id,
    userId,
    createdAt: Number(createdAt),
    lastSeenAt: Number(lastSeenAt ?? createdAt),
    expiresAt: Number(expiresAt),
  };
  if (hash.tenantId !== undefined) record.tenantId = hash.tenantId;
  if (hash.ip !== undefined) record.ip = hash.ip;
  if (hash.userAgent !== undefined) record.userAgent = hash.userAgent;
  if (hash.amr !== undefined) record.amr = JSON.parse(hash.amr) as string[];
  if (hash.revokedAt !== undefined) record.revokedAt = Number(hash.revokedAt);
  if (hash.revokedReason !== undefined) record.revokedReason = hash.revokedReason;
  return Object.freeze(record);
}

function fromPairs(pairs: unknown): SessionRecord | undefined {
  if (!Array.isArray(pairs) || pairs.length === 0) return undefined;
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[String(pairs[i])] = String(pairs[i + 1]);
  return fromHash(hash);
}

/**
 * Sessions in Redis: a hash per session and a set of session ids per user, both under the user's
 * hash tag (`auth:sess:{<userId>}`) so every multi-key step runs on one Cluster slot. Revoke and
 * touch are Lua scripts, so a refresh racing a revocation can never bring a session back.
 */
export class RedisSessionStore implements SessionStore {
  readonly #connection: RedisConnection;
  readonly #now: () => number;

  constructor(options: RedisSessionStoreOptions) {
    this.#connection = options.connection;
    this.#now = options.now ?? Date.now;
  }

  #indexKey(userId: string): string {
    return this.#connection.key('auth', 'sess', `{${userId}}`);
  }

  #sessionKey(userId: string, sessionId: string): string {
    return this.#connection.key('auth', 'sess', `{${userId}}`, sessionId);
  }

  async create(record: SessionRecord): Promise<void> {
    const ttl = Math.max(1, record.expiresAt - this.#now());
    await CREATE_SESSION.run(
      this.#connection.client,
      [this.#sessionKey(record.userId, record.id), this.#indexKey(record.userId)],
      [record.id, record.expiresAt, ttl, ...toFields(record)],
    );
  }

  async get(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    const hash = await this.#connection.client.hgetall(this.#sessionKey(userId, sessionId));
    const record = fromHash(hash);
    // The key's own expiry removes it; the check covers the last millisecond before Redis does.
    return record !== undefined && record.userId === userId && record.expiresAt > this.#now() ? record : undefined;
  }

  async listForUser(userId: string): Promise<SessionRecord[]> {
    const client = this.#connection.client;
    const ids = await client.smembers(this.#indexKey(userId));
    if (ids.length === 0) return [];
    // Same hash slot for every key here, so one pipeline works on Cluster too.
    const pipeline = client.pipeline();
    for (const id of ids) pipeline.hgetall(this.#sessionKey(userId, id));
    const replies = (await pipeline.exec()) ?? [];
    const now = this.#now();
    const live: SessionRecord[] = [];
    const gone: string[] = [];
    replies.forEach(([err, hash], i) => {
      if (err) throw err;
      const record = fromHash(hash as Record<string, string>);
      if (record === undefined) gone.push(ids[i]!);
      else if (isSessionLive(record, now)) live.push(record);
    });
    if (gone.length > 0) await client.srem(this.#indexKey(userId), ...gone);
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  async touch(userId: string, sessionId: string, seen: SessionSeen): Promise<boolean> {
    const fields: string[] = ['lastSeenAt', String(seen.at)];
    if (seen.ip !== undefined) fields.push('ip', seen.ip);
    if (seen.userAgent !== undefined) fields.push('userAgent', seen.userAgent);
    const touched = await TOUCH_SESSION.run(this.#connection.client, [this.#sessionKey(userId, sessionId)], fields);
    return touched === 1;
  }

  async revoke(userId: string, sessionId: string, at: number, reason: string): Promise<SessionRecord | undefined> {
    const pairs = await REVOKE_SESSION.run(
      this.#connection.client,
      [this.#sessionKey(userId, sessionId), this.#indexKey(userId)],
      [sessionId, at, reason],
    );
    return fromPairs(pairs);
  }

  /** The connection belongs to the app; nothing of our own to close. */
  async close(): Promise<void> {}
}
