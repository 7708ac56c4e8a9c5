import type { KoaforgeError } from '../errors/catalogue.js';
import { CoreErrors } from '../errors.js';

/** `RATE_LIMITED` (429) with `Retry-After` and whatever rate-limit headers the caller adds. */
export function rateLimitedError(
  message: string,
  headers: Record<string, string>,
  details: Record<string, unknown>,
): KoaforgeError {
  return CoreErrors.RATE_LIMITED(message, { headers, details });
}

/** `RATE_LIMIT_UNAVAILABLE` (503): the store is down and the policy is `onStoreDown: 'closed'`. */
export function rateLimitUnavailableError(cause: unknown): KoaforgeError {
  return CoreErrors.RATE_LIMIT_UNAVAILABLE(undefined, { cause, headers: { 'Retry-After': '1' } });
}
