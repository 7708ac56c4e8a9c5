import type { RedisConnection } from '@koaforge/core';
import { decodeTransaction, type OAuthTransaction, type OAuthTransactionStore } from '../transaction.js';

export interface RedisOAuthTransactionStoreOptions {
  /** The app's shared connection (`RedisConnectionToken`); its `keyPrefix` starts every key. */
  connection: RedisConnection;
  /** Key namespace after the connection's prefix. Default `auth:oauth:tx`. */
  namespace?: string;
}

/**
 * Transactions in Redis, so the callback may land on any process. Each one is a string with a
 * TTL (`SET … PX`); `GETDEL` (Redis ≥ 6.2) reads and deletes it in one step, which is what makes a
 * callback single-use across processes.
 */
export class RedisOAuthTransactionStore implements OAuthTransactionStore {
  readonly #connection: RedisConnection;
  readonly #namespace: string;

  constructor(options: RedisOAuthTransactionStoreOptions) {
    this.#connection = options.connection;
    this.#namespace = options.namespace ?? 'auth:oauth:tx';
  }

  async save(key: string, tx: OAuthTransaction, ttlMs: number): Promise<void> {
    await this.#connection.client.set(this.#key(key), JSON.stringify(tx), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async consume(key: string): Promise<OAuthTransaction | undefined> {
    return decodeTransaction(await this.#connection.client.getdel(this.#key(key)));
  }

  #key(key: string): string {
    return this.#connection.key(this.#namespace, key);
  }
}
