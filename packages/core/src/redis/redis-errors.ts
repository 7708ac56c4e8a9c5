import type { ErrorOptions, KoaforgeError } from '../errors/catalogue.js';
import { CoreErrors } from '../errors.js';

/** `REDIS_UNAVAILABLE` (503, retryable): Redis is down, unreachable, or the connection is closed. */
export function redisUnavailable(message?: string, options: ErrorOptions = {}): KoaforgeError {
  return CoreErrors.REDIS_UNAVAILABLE(message, options);
}
