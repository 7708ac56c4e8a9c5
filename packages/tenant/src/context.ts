import { currentContext, type TenantRef } from '@koaforge/core';
import { TenantErrors } from './errors.js';

/** The tenant of the request being handled (frozen), or `undefined` outside a request or without one. */
export function currentTenant(): TenantRef | undefined {
  return currentContext()?.tenant;
}

/** The current tenant; throws 400 `TENANT_REQUIRED` when the request has none. */
export function requireCurrentTenant(): TenantRef {
  const tenant = currentContext()?.tenant;
  if (tenant === undefined) throw TenantErrors.TENANT_REQUIRED();
  return tenant;
}
