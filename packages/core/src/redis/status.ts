import type { RedisClient } from './connection.js';

/** Client states in which a command cannot go out now and would only queue until a reconnect. */
const DOWN = new Set(['reconnecting', 'close', 'end']);

/**
 * Whether a command sent now would wait for a reconnect instead of reaching Redis. Stores and
 * transports check it to fail at once (503, fallback) instead of queueing behind an outage.
 */
export function redisIsDown(client: RedisClient): boolean {
  return DOWN.has(client.status);
}
