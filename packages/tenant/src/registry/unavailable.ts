import { isKoaforgeError } from '@koaforge/core';
import { TenantErrors } from '../errors.js';

/**
 * A registry failure as the client sees it: 503 `TENANT_REGISTRY_UNAVAILABLE` (retryable), with
 * the cause kept for the log. Catalogue 4xx errors (a registry's own answers, such as
 * `TENANT_DOMAIN_TAKEN`) and an already-mapped `TENANT_REGISTRY_UNAVAILABLE` pass through; every
 * other failure, core's `REDIS_UNAVAILABLE` from a connection that went down between our check and
 * the command included, becomes `TENANT_REGISTRY_UNAVAILABLE`.
 */
export function registryUnavailable(err: unknown): Error {
  if (err instanceof Error && isKoaforgeError(err)) {
    if (err.status < 500 || TenantErrors.TENANT_REGISTRY_UNAVAILABLE.is(err)) return err;
  }
  return TenantErrors.TENANT_REGISTRY_UNAVAILABLE(undefined, { cause: err });
}
