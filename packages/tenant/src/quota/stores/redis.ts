import { CoreErrors, type RedisClient, type RedisConnection, redisIsDown, withScripts } from '@koaforge/core';
import { assertAmount, type QuotaCount, type QuotaStore } from '../store.js';
import { RELEASE_COMMAND, RELEASE_SCRIPT, RESERVE_COMMAND, RESERVE_SCRIPT } from './redis-scripts.js';

export interface RedisQuotaStoreOptions {
  /** The app's shared connection (`RedisConnectionToken`); its `keyPrefix` starts every key. */
  connection: RedisConnection;
  /** Longest wait for one answer before it is 503 `REDIS_UNAVAILABLE`. Default 500 ms. */
  timeoutMs?: number;
}

interface Scripts {
  [RESERVE_COMMAND](key: string, amount: number, limit: number, expireAt: number): Promise<[number, number]>;
  [RELEASE_COMMAND](key: string, amount: number): Promise<number>;
}
type Scripted = RedisClient & Scripts;

/**
 * Quota counters in Redis, shared by every process: reservations are one Lua script each
 * (atomic), keys are `<connection prefix><key>`. When Redis does not answer (connection down, an
 * error, no answer within `timeoutMs`) an operation fails with 503 `REDIS_UNAVAILABLE` and
 * `Retry-After: 1` instead of waiting; the process keeps running and uses Redis again once it is back.
 *
 * @example
 * const store = new RedisQuotaStore({ connection: app.container.resolve(RedisConnectionToken) });
 */
export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis';
  readonly #connection: RedisConnection;
  readonly #timeoutMs: number;

  constructor(options: RedisQuotaStoreOptions) {
    this.#connection = options.connection;
    this.#timeoutMs = options.timeoutMs ?? 500;
    withScripts<Scripts>(options.connection.client, {
      [RESERVE_COMMAND]: { keys: 1, lua: RESERVE_SCRIPT },
      [RELEASE_COMMAND]: { keys: 1, lua: RELEASE_SCRIPT },
    });
  }

  async reserve(key: string, amount: number, limit: number, expiresAt?: number): Promise<QuotaCount> {
    assertAmount(amount);
    const [admitted, used] = await this.#run((c) =>
      c[RESERVE_COMMAND](this.#key(key), amount, limit < 0 ? -1 : limit, expiresAt ?? 0),
    );
    return { admitted: admitted === 1, used: Number(used) };
  }

  async release(key: string, amount: number): Promise<number> {
    assertAmount(amount);
    return Number(await this.#run((c) => c[RELEASE_COMMAND](this.#key(key), amount)));
  }

  async usage(key: string): Promise<number> {
    const value = await this.#run((c) => c.get(this.#key(key)));
    return value === null ? 0 : Number(value);
  }

  async set(key: string, value: number): Promise<void> {
    assertAmount(value, 'value');
    await this.#run((c): Promise<unknown> => (value === 0 ? c.del(this.#key(key)) : c.set(this.#key(key), value)));
  }

  async reset(key: string): Promise<void> {
    await this.#run((c) => c.del(this.#key(key)));
  }

  async close(): Promise<void> {}

  #key(key: string): string {
    return this.#connection.key(key);
  }

  #run<T>(op: (client: Scripted) => Promise<T>): Promise<T> {
    const client = this.#connection.client as Scripted;
    if (redisIsDown(client)) {
      return Promise.reject(unavailable(new Error(`Redis connection is ${client.status}`)));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(unavailable(new Error(`Redis did not answer within ${this.#timeoutMs} ms`))),
        this.#timeoutMs,
      );
      timer.unref();
      op(client).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(unavailable(err));
        },
      );
    });
  }
}

function unavailable(cause: unknown): Error {
  return CoreErrors.REDIS_UNAVAILABLE('The quota store (Redis) is unavailable; retry later', {
    cause,
    headers: { 'Retry-After': '1' },
  });
}
