import { isKoaforgeError } from '@koaforge/core';
import { TenantErrors } from '../errors.js';

/**
 * A registry failure as the client sees it: 503 `TENANT_REGISTRY_UNAVAILABLE` (retryable), with
 * the cause kept for the log. Catalogue errors (a registry's own 4xx) pass through.
 */
export function registryUnavailable(err: unknown): Error {
  if (err instanceof Error && isKoaforgeError(err)) return err;
  return TenantErrors.TENANT_REGISTRY_UNAVAILABLE(undefined, { cause: err });
}
