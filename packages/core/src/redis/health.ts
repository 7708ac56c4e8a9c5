import type { HealthCheck } from '../health/health-registry.js';
import type { RedisConnection } from './connection.js';

export interface RedisHealthCheckOptions {
  /** Default `redis`. */
  name?: string;
  /** Default 1000 ms. */
  timeoutMs?: number;
  /** Default true: readiness fails while Redis does not answer. */
  critical?: boolean;
}

/**
 * A readiness check that PINGs Redis within a deadline. While Redis is known to be down it fails
 * at once (the connection fails fast) rather than waiting out the timeout.
 *
 * @example
 * health.add(redisHealthCheck(redis, { timeoutMs: 500 }));
 */
export function redisHealthCheck(connection: RedisConnection, options: RedisHealthCheckOptions = {}): HealthCheck {
  const timeoutMs = options.timeoutMs ?? 1000;
  return {
    name: options.name ?? 'redis',
    timeoutMs,
    critical: options.critical ?? true,
    async check(signal) {
      const latencyMs = await connection.ping({ signal, timeoutMs });
      return { details: { latencyMs } };
    },
  };
}
