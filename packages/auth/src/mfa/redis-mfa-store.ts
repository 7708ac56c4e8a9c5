import { type RedisClient, type RedisConnection, withScripts } from '@koaforge/core';
import type { MfaChallengeRecord, MfaFailurePolicy, MfaFailureState, MfaRecord, MfaStore } from './mfa-store.js';

/** Raise the `step` field only upwards; 0 when it would not rise (replay) or there is no record. */
const USE_TIME_STEP = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = redis.call('HGET', KEYS[1], 'step')
if last and tonumber(last) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'step', ARGV[1])
return 1`;

/** Swap the recovery-code set of an existing record. */
const REPLACE_RECOVERY_CODES = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
if #ARGV > 0 then redis.call('SADD', KEYS[2], unpack(ARGV)) end
return 1`;

/** Count a failure: the window starts with the first one; reaching the maximum starts the lock. */
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {n, redis.call('PTTL', KEYS[1])}`;

interface MfaScripts {
  kfAuthMfaUseTimeStep(key: string, step: number): Promise<number>;
  kfAuthMfaReplaceRecoveryCodes(record: string, codes: string, ...hashes: string[]): Promise<number>;
  kfAuthMfaRecordFailure(key: string, windowMs: number, max: number, lockMs: number): Promise<[number, number]>;
}

/** `{` `}` `%` escaped, so an id cannot break the `{…}` hash tag that keeps a user's keys on one slot. */
function hashTag(userId: string): string {
  return `{${userId.replace(/[{}%]/g, encodeURIComponent)}}`;
}

/**
 * MFA state in Redis, shared by every process. Per user, under one hash tag (one Cluster slot, so
 * the multi-key transactions and scripts work on Redis Cluster): `auth:mfa:{<userId>}` (hash:
 * secret, enabled, createdAt, enabledAt, step), `…:rc` (set of recovery-code hashes), `…:fail`
 * (failure counter). Challenges: `auth:mfa:ch:<sha256>` (JSON, taken with `GETDEL`, Redis ≥ 6.2).
 */
export class RedisMfaStore implements MfaStore {
  readonly #connection: RedisConnection;
  readonly #client: RedisClient & MfaScripts;

  constructor(options: { connection: RedisConnection }) {
    this.#connection = options.connection;
    this.#client = withScripts<MfaScripts>(options.connection.client, {
      kfAuthMfaUseTimeStep: { keys: 1, lua: USE_TIME_STEP },
      kfAuthMfaReplaceRecoveryCodes: { keys: 2, lua: REPLACE_RECOVERY_CODES },
      kfAuthMfaRecordFailure: { keys: 1, lua: RECORD_FAILURE },
    });
  }

  async get(userId: string): Promise<MfaRecord | undefined> {
    const k = this.#keys(userId);
    const [fields, codes] = await Promise.all([this.#client.hgetall(k.record), this.#client.smembers(k.codes)]);
    if (fields.secret === undefined || fields.createdAt === undefined) return undefined;
    return {
      userId,
      secret: fields.secret,
      enabled: fields.enabled === '1',
      createdAt: Number(fields.createdAt),
      ...(fields.enabledAt !== undefined && { enabledAt: Number(fields.enabledAt) }),
      ...(fields.step !== undefined && { lastTimeStep: Number(fields.step) }),
      recoveryCodes: codes,
    };
  }

  async put(record: MfaRecord, ttlMs?: number): Promise<void> {
    const k = this.#keys(record.userId);
    const fields: Record<string, string> = {
      secret: record.secret,
      enabled: record.enabled ? '1' : '0',
      createdAt: String(record.createdAt),
    };
    if (record.enabledAt !== undefined) fields.enabledAt = String(record.enabledAt);
    if (record.lastTimeStep !== undefined) fields.step = String(record.lastTimeStep);
    const tx = this.#client.multi().del(k.record, k.codes).hset(k.record, fields);
    if (record.recoveryCodes.length > 0) tx.sadd(k.codes, ...record.recoveryCodes);
    if (ttlMs !== undefined) {
      const px = Math.max(1, Math.ceil(ttlMs));
      tx.pexpire(k.record, px).pexpire(k.codes, px);
    }
    await execOrThrow(tx.exec());
  }

  async delete(userId: string): Promise<void> {
    const k = this.#keys(userId);
    await this.#client.del(k.record, k.codes, k.failures);
  }

  async useTimeStep(userId: string, step: number): Promise<boolean> {
    return (await this.#client.kfAuthMfaUseTimeStep(this.#keys(userId).record, step)) === 1;
  }

  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    return (await this.#client.srem(this.#keys(userId).codes, codeHash)) === 1;
  }

  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    const k = this.#keys(userId);
    await this.#client.kfAuthMfaReplaceRecoveryCodes(k.record, k.codes, ...codeHashes);
  }

  async recordFailure(userId: string, policy: MfaFailurePolicy): Promise<MfaFailureState> {
    const [failures, pttl] = await this.#client.kfAuthMfaRecordFailure(
      this.#keys(userId).failures,
      Math.max(1, Math.ceil(policy.windowMs)),
      policy.max,
      Math.max(1, Math.ceil(policy.lockMs)),
    );
    return { failures, resetInMs: Math.max(0, pttl) };
  }

  async failures(userId: string): Promise<MfaFailureState> {
    const key = this.#keys(userId).failures;
    const [count, pttl] = await Promise.all([this.#client.get(key), this.#client.pttl(key)]);
    return count === null ? { failures: 0, resetInMs: 0 } : { failures: Number(count), resetInMs: Math.max(0, pttl) };
  }

  async clearFailures(userId: string): Promise<void> {
    await this.#client.del(this.#keys(userId).failures);
  }

  async putChallenge(challengeHash: string, record: MfaChallengeRecord, ttlMs: number): Promise<void> {
    const value = JSON.stringify({
      userId: record.userId,
      expiresAt: record.expiresAt,
      attempts: record.attempts,
      ...(record.firstFactor === undefined ? {} : { firstFactor: record.firstFactor }),
    });
    await this.#client.set(this.#challengeKey(challengeHash), value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async takeChallenge(challengeHash: string): Promise<MfaChallengeRecord | undefined> {
    const raw = await this.#client.getdel(this.#challengeKey(challengeHash));
    return raw === null ? undefined : parseChallenge(raw);
  }

  #keys(userId: string): { record: string; codes: string; failures: string } {
    const record = this.#connection.key('auth', 'mfa', hashTag(userId));
    return { record, codes: `${record}:rc`, failures: `${record}:fail` };
  }

  #challengeKey(challengeHash: string): string {
    return this.#connection.key('auth', 'mfa', 'ch', challengeHash);
  }
}

async function execOrThrow(pending: Promise<Array<[Error | null, unknown]> | null>): Promise<void> {
  const results = await pending;
  if (results === null) throw new Error('Redis MULTI was aborted');
  for (const [err] of results) if (err) throw err;
}

function parseChallenge(raw: string): MfaChallengeRecord | undefined {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const { userId, expiresAt, attempts, firstFactor } = value;
    if (typeof userId !== 'string' || typeof expiresAt !== 'number' || typeof attempts !== 'number') return undefined;
    return { userId, expiresAt, attempts, ...(typeof firstFactor === 'string' ? { firstFactor } : {}) };
  } catch {
    return undefined;
  }
}
