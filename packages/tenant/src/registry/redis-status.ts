import type { RedisClient } from '@koaforge/core';

/** Client states in which a command cannot go out now and would only queue until a reconnect. */
const DOWN = new Set(['reconnecting', 'close', 'end']);

/** Whether a command sent now would wait for a reconnect instead of reaching Redis. */
export function redisIsDown(client: RedisClient): boolean {
  return DOWN.has(client.status);
}
