import type { RedisConnection } from '@koaforge/core';
import { decodeHandoffGrant, type OAuthHandoffGrant, type OAuthHandoffStore } from '../handoff.js';
import { decodeTransaction, type OAuthTransaction, type OAuthTransactionStore } from '../transaction.js';

export interface RedisOAuthTransactionStoreOptions {
  /** The app's shared connection (`RedisConnectionToken`); its `keyPrefix` starts every key. */
  connection: RedisConnection;
  /** Key namespace after the connection's prefix. Default `auth:oauth:tx` (codes: `auth:oauth:code`). */
  namespace?: string;
}

/**
 * Single-use JSON values in Redis, so the next step may land on any process. Each one is a string
 * with a TTL (`SET … PX`); `GETDEL` (Redis ≥ 6.2) reads and deletes it in one step, which is what
 * makes it single-use across processes. A value that does not decode counts as missing.
 */
class RedisOneTimeStore<T> {
  readonly #connection: RedisConnection;
  readonly #namespace: string;
  readonly #decode: (raw: string | null) => T | undefined;

  constructor(
    options: RedisOAuthTransactionStoreOptions,
    namespace: string,
    decode: (raw: string | null) => T | undefined,
  ) {
    this.#connection = options.connection;
    this.#namespace = options.namespace ?? namespace;
    this.#decode = decode;
  }

  async save(key: string, value: T, ttlMs: number): Promise<void> {
    await this.#connection.client.set(this.#key(key), JSON.stringify(value), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async consume(key: string): Promise<T | undefined> {
    return this.#decode(await this.#connection.client.getdel(this.#key(key)));
  }

  #key(key: string): string {
    return this.#connection.key(this.#namespace, key);
  }
}

/** Transactions in Redis, so the callback may land on any process, and is accepted once. */
export class RedisOAuthTransactionStore extends RedisOneTimeStore<OAuthTransaction> implements OAuthTransactionStore {
  constructor(options: RedisOAuthTransactionStoreOptions) {
    super(options, 'auth:oauth:tx', decodeTransaction);
  }
}

/** One-time sign-in codes in Redis, so the exchange may land on any process, and succeeds once. */
export class RedisOAuthHandoffStore extends RedisOneTimeStore<OAuthHandoffGrant> implements OAuthHandoffStore {
  constructor(options: RedisOAuthTransactionStoreOptions) {
    super(options, 'auth:oauth:code', decodeHandoffGrant);
  }
}
