import { type RedisClient, type RedisConnection, withScripts } from '@koaforge/core';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.js';

export interface RedisApiKeyStoreOptions {
  connection: RedisConnection;
  /** How long an expired record is kept (so lists can still show it) before Redis drops it. Default 30 days. */
  retentionMs?: number;
}

/**
 * Create the record unless the id is taken; expire it `retention` after `expiresAt`.
 * KEYS[1] record; ARGV[1] PEXPIREAT time or ''; ARGV[2..] field/value pairs.
 */
const INSERT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if ARGV[1] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return 1`;

/** Set one field only when the record exists (HSET alone would recreate a revoked key as a stub). */
const SET_IF_EXISTS_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1`;

const INSERT = 'koaforgeApiKeyInsert';
const SET_IF_EXISTS = 'koaforgeApiKeySetIfExists';

interface ScriptedClient {
  [INSERT](key: string, ...args: string[]): Promise<number>;
  [SET_IF_EXISTS](key: string, field: string, value: string, expireAt: string): Promise<number>;
}

/** A segment of a key that cannot collide with another: encoded, and `%` alone for "none". */
const segment = (value: string | undefined) => (value === undefined ? '%' : encodeURIComponent(value));

function toFields(record: ApiKeyRecord): string[] {
  const fields: string[] = [
    'id',
    record.id,
    'name',
    record.name,
    'prefix',
    record.prefix,
    'secretHash',
    record.secretHash,
    'ownerId',
    record.ownerId,
    'scopes',
    JSON.stringify(record.scopes),
    'roles',
    JSON.stringify(record.roles),
    'createdAt',
    record.createdAt,
    'createdBy',
    record.createdBy,
  ];
  if (record.tenantId !== undefined) fields.push('tenantId', record.tenantId);
  if (record.expiresAt !== undefined) fields.push('expiresAt', record.expiresAt);
  if (record.lastUsedAt !== undefined) fields.push('lastUsedAt', record.lastUsedAt);
  return fields;
}

function stringList(text: string | undefined): string[] {
  try {
    const value: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function fromHash(h: Record<string, string>): ApiKeyRecord | undefined {
  if (!h.id || !h.secretHash || !h.ownerId || !h.prefix || !h.createdAt) return undefined;
  return {
    id: h.id,
    name: h.name ?? '',
    prefix: h.prefix,
    secretHash: h.secretHash,
    ownerId: h.ownerId,
    ...(h.tenantId === undefined ? {} : { tenantId: h.tenantId }),
    scopes: stringList(h.scopes),
    roles: stringList(h.roles),
    createdAt: h.createdAt,
    createdBy: h.createdBy ?? h.ownerId,
    ...(h.expiresAt === undefined ? {} : { expiresAt: h.expiresAt }),
    ...(h.lastUsedAt === undefined ? {} : { lastUsedAt: h.lastUsedAt }),
  };
}

/**
 * API key records in Redis, shared by every process: a hash per key (`<prefix>apikeys:key:<id>`)
 * and a set of ids per owner (`<prefix>apikeys:owner:<tenant>:<owner>`). Record writes are Lua
 * scripts on one key, so they also work on Redis Cluster; the owner index is kept beside them
 * (another slot), and ids whose record is gone are pruned from it when listed. Revocation deletes
 * the record, so it takes effect in every process at once.
 */
export class RedisApiKeyStore implements ApiKeyStore {
  readonly #connection: RedisConnection;
  readonly #client: RedisClient;
  readonly #scripts: ScriptedClient;
  readonly #retentionMs: number;

  constructor(options: RedisApiKeyStoreOptions) {
    this.#connection = options.connection;
    this.#client = options.connection.client;
    this.#retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
    this.#scripts = withScripts<ScriptedClient>(this.#client, {
      [INSERT]: { keys: 1, lua: INSERT_LUA },
      [SET_IF_EXISTS]: { keys: 1, lua: SET_IF_EXISTS_LUA },
    });
  }

  #recordKey(id: string): string {
    return this.#connection.key('apikeys', 'key', segment(id));
  }

  #ownerKey(ownerId: string, tenantId: string | undefined): string {
    return this.#connection.key('apikeys', 'owner', segment(tenantId), segment(ownerId));
  }

  #dropAt(expiresAt: string | undefined): string {
    if (expiresAt === undefined) return '';
    const at = Date.parse(expiresAt);
    return Number.isFinite(at) ? String(at + this.#retentionMs) : '';
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    const created = await this.#scripts[INSERT](
      this.#recordKey(record.id),
      this.#dropAt(record.expiresAt),
      ...toFields(record),
    );
    if (created !== 1) throw new Error(`API key id ${record.id} is taken`);
    await this.#client.sadd(this.#ownerKey(record.ownerId, record.tenantId), record.id);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return fromHash(await this.#client.hgetall(this.#recordKey(id)));
  }

  async listByOwner(ownerId: string, tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    const index = this.#ownerKey(ownerId, tenantId);
    const ids = await this.#client.smembers(index);
    if (ids.length === 0) return [];
    // One GET per key rather than a multi-key command: the keys live in different cluster slots.
    const hashes = await Promise.all(ids.map((id) => this.#client.hgetall(this.#recordKey(id))));
    const out: ApiKeyRecord[] = [];
    const gone: string[] = [];
    hashes.forEach((h, i) => {
      const record = fromHash(h);
      if (record === undefined) gone.push(ids[i]!);
      else out.push(record);
    });
    if (gone.length > 0) await this.#client.srem(index, ...gone);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async delete(id: string): Promise<boolean> {
    const key = this.#recordKey(id);
    const [ownerId, tenantId] = await this.#client.hmget(key, 'ownerId', 'tenantId');
    const removed = await this.#client.del(key);
    if (ownerId) await this.#client.srem(this.#ownerKey(ownerId, tenantId ?? undefined), id);
    return removed === 1;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.#scripts[SET_IF_EXISTS](this.#recordKey(id), 'lastUsedAt', at, '');
  }

  async setExpiresAt(id: string, expiresAt: string): Promise<boolean> {
    const set = await this.#scripts[SET_IF_EXISTS](
      this.#recordKey(id),
      'expiresAt',
      expiresAt,
      this.#dropAt(expiresAt),
    );
    return set === 1;
  }
}
