import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFlow } from '../../src/oauth/oauth-flow.js';
import { MemoryOAuthTransactionStore } from '../../src/oauth/stores/memory.js';
import { RedisOAuthTransactionStore } from '../../src/oauth/stores/redis.js';
import { callbackFrom, instantProvider } from './support/instant-provider.js';
import { transaction, transactionStoreContract } from './transaction-store.contract.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

transactionStoreContract('memory', () => new MemoryOAuthTransactionStore(), sleep);

let redis: RedisServerHandle;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await startRedisServer();
  connection = createRedisConnection({ url: redis.url, keyPrefix: 'kf-test:' });
  await connection.connect();
});

afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

transactionStoreContract('redis', () => new RedisOAuthTransactionStore({ connection }), sleep);

describe('MemoryOAuthTransactionStore', () => {
  it('holds at most maxEntries, dropping expired then oldest entries', async () => {
    let now = 0;
    const store = new MemoryOAuthTransactionStore({ maxEntries: 2, now: () => now });
    await store.save('a', transaction({ provider: 'a' }), 10);
    await store.save('b', transaction({ provider: 'b' }), 1000);
    now = 20;
    await store.save('c', transaction({ provider: 'c' }), 1000);
    expect(store.size).toBe(2);
    await store.save('d', transaction({ provider: 'd' }), 1000);
    expect(store.size).toBe(2);
    expect(await store.consume('b')).toBeUndefined();
    expect((await store.consume('c'))?.provider).toBe('c');
    expect((await store.consume('d'))?.provider).toBe('d');
  });
});

describe('RedisOAuthTransactionStore', () => {
  it('writes under the connection prefix with a TTL and treats a corrupt value as missing', async () => {
    const store = new RedisOAuthTransactionStore({ connection });
    await store.save('k1', transaction(), 60_000);
    const ttl = await connection.client.pttl('kf-test:auth:oauth:tx:k1');
    expect(ttl).toBeGreaterThan(50_000);
    await connection.client.set('kf-test:auth:oauth:tx:k2', '{"provider":1}');
    expect(await store.consume('k2')).toBeUndefined();
    expect(await connection.client.exists('kf-test:auth:oauth:tx:k2')).toBe(0);
  });
});

describe('three processes sharing one Redis store', () => {
  const processes = () =>
    [1, 2, 3].map(
      () =>
        new OAuthFlow({
          providers: [instantProvider],
          publicUrl: 'https://app.example.test',
          transactions: new RedisOAuthTransactionStore({ connection }),
        }),
    );

  it('finishes on another process than the one that started, exactly once', async () => {
    const [a, b, c] = processes() as [OAuthFlow, OAuthFlow, OAuthFlow];
    const started = await a.start('instant', '/home');
    const params = callbackFrom(started.url).searchParams;
    const done = await b.finish('instant', started.transactionId, params);
    expect(done).toMatchObject({ returnTo: '/home', identity: { subject: 'user-1' } });
    await expect(c.finish('instant', started.transactionId, params)).rejects.toMatchObject({
      code: 'AUTH_OAUTH_STATE_INVALID',
    });
  });

  it('lets only one of several racing callbacks through', async () => {
    const flows = processes();
    const started = await flows[0]!.start('instant');
    const params = callbackFrom(started.url).searchParams;
    const results = await Promise.allSettled(flows.map((f) => f.finish('instant', started.transactionId, params)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
