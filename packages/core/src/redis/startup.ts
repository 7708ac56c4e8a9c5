import type { RedisConnection } from './connection.js';
import type { RedisLogger } from './options.js';

export interface ConnectOnStartOptions {
  /** Reject (after closing the connection) when Redis is not ready within `timeoutMs`. */
  required: boolean;
  timeoutMs: number;
  logger?: RedisLogger | undefined;
}

/**
 * Connect at app start. Required: wait for ready, and on failure close the connection before
 * rethrowing — a failed start does not run this plugin's `onStop`, and an ioredis client left
 * reconnecting would keep the process alive. Not required: start connecting and return; the
 * connection logs when it comes up, commands fail fast until then, and `/readyz` says so.
 */
export async function connectOnStart(connection: RedisConnection, options: ConnectOnStartOptions): Promise<void> {
  if (!options.required) {
    connection.connect({ timeoutMs: options.timeoutMs }).catch((err: unknown) => {
      options.logger?.warn(
        { redis: connection.target, err: err instanceof Error ? err.message : String(err) },
        'Redis not ready at start; continuing (requireOnStart is false)',
      );
    });
    return;
  }
  try {
    await connection.connect({ timeoutMs: options.timeoutMs });
  } catch (err) {
    await connection.close();
    throw err;
  }
}
