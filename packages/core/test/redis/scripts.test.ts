import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { withScripts } from '../../src/redis/scripts.js';
import { redisIsDown } from '../../src/redis/status.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { waitFor } from './support.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

interface Counter {
  kfTestIncrBy(key: string, by: number): Promise<number>;
}
const INCR_BY = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

describe('withScripts (real redis-server)', () => {
  it('defines each command once per client, and the script survives SCRIPT FLUSH (resent on NOSCRIPT)', async () => {
    const conn = createRedisConnection({ url: redis.url });
    try {
      const define = vi.spyOn(conn.client, 'defineCommand');
      const c = withScripts<Counter>(conn.client, { kfTestIncrBy: { keys: 1, lua: INCR_BY } });
      // A second store on the same connection reuses the command.
      const again = withScripts<Counter>(conn.client, { kfTestIncrBy: { keys: 1, lua: INCR_BY } });
      expect(define).toHaveBeenCalledTimes(1);
      expect(again).toBe(c);
      expect(await c.kfTestIncrBy(conn.key('n'), 2)).toBe(2);
      await conn.client.script('FLUSH');
      expect(await c.kfTestIncrBy(conn.key('n'), 3)).toBe(5);
    } finally {
      await conn.close();
    }
  });

  it('redisIsDown says when a command would only queue for a reconnect', async () => {
    const conn = createRedisConnection({ url: redis.url });
    try {
      await conn.client.ping();
      expect(redisIsDown(conn.client)).toBe(false);
      await redis.kill();
      await waitFor(() => redisIsDown(conn.client));
      await redis.restart();
      await waitFor(() => !redisIsDown(conn.client));
    } finally {
      await conn.close();
    }
  });
});
