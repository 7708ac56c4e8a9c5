import type { RedisConnection } from '../../src/redis/connection.js';
import { createRedisConnection } from '../../src/redis/create-connection.js';

/** Core's own connection (src/redis), connected, with a short reconnect backoff for outage tests. */
export async function connectTestRedis(url: string, keyPrefix = 'test:'): Promise<RedisConnection> {
  const connection = createRedisConnection({ url, keyPrefix, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
  await connection.connect({ timeoutMs: 5000 });
  return connection;
}

/** Wait until `condition()` holds, checking every 20 ms; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
