import type { KoaforgeError } from '../errors/catalogue.js';
import { CoreErrors } from '../errors.js';

/** A `CIRCUIT_OPEN` error; `breaker` names the breaker for logs and code, never for clients. */
export interface CircuitOpenError extends KoaforgeError {
  readonly breaker: string;
}

/**
 * `CIRCUIT_OPEN` (503, retryable): the named breaker is open; the dependency was not called. The
 * message clients see is generic: breaker names describe internal dependencies.
 */
export function circuitOpenError(breaker: string): CircuitOpenError {
  return Object.assign(CoreErrors.CIRCUIT_OPEN(), { breaker });
}

/** An upstream error status, with the response kept for whoever handles the final error. */
export interface UpstreamStatusError extends KoaforgeError {
  readonly response: Response;
  /** Milliseconds from the response's `Retry-After`, when it had one. */
  readonly retryAfterMs: number | undefined;
}

/** `UPSTREAM_STATUS` (502, retryable): `response.status` was 5xx or 429. */
export function upstreamStatusError(response: Response, retryAfterMs: number | undefined): UpstreamStatusError {
  const err = CoreErrors.UPSTREAM_STATUS(`${CoreErrors.UPSTREAM_STATUS.spec.message} ${response.status}`, {
    details: { upstreamStatus: response.status },
  });
  return Object.assign(err, { response, retryAfterMs });
}
