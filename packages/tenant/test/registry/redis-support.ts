import { createRedisConnection, EventBus, type RedisConnection, RedisEventTransport } from '@koaforge/core';

/** Core's connection, connected, with a short reconnect backoff for outage tests. */
export async function connectRedis(url: string, keyPrefix: string): Promise<RedisConnection> {
  const connection = createRedisConnection({ url, keyPrefix, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
  await connection.connect({ timeoutMs: 5000 });
  return connection;
}

/** One app instance's view of Redis: its own connection and an event bus on the Redis transport. */
export async function instance(
  url: string,
  keyPrefix: string,
): Promise<{ connection: RedisConnection; bus: EventBus }> {
  const connection = await connectRedis(url, keyPrefix);
  const bus = new EventBus({ transport: new RedisEventTransport({ connection }) });
  await bus.start();
  return { connection, bus };
}

/** Wait until `condition()` holds, checking every 20 ms; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
