import type { ReconnectOptions } from './options.js';

/**
 * ioredis `retryStrategy`: exponential backoff from `minDelayMs`, capped at `maxDelayMs`, with ±20%
 * jitter so that many processes losing the same Redis do not reconnect in lockstep. It never gives
 * up (returning a number keeps ioredis reconnecting): Redis coming back after an hour must still be
 * picked up without restarting the app. While it is down, commands fail fast (see
 * `failFastWhenDown`), so retrying costs nothing but one refused connect per step.
 */
export function reconnectDelay(options: Required<ReconnectOptions>): (attempt: number) => number {
  const { minDelayMs, maxDelayMs } = options;
  return (attempt) => {
    const base = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
    const jittered = base * (0.8 + Math.random() * 0.4);
    return Math.round(Math.min(maxDelayMs, jittered));
  };
}
