import { createToken } from '@koaforge/core';
import type { TenantRegistry } from '../types.js';

/** The app's tenant registry, registered by `tenantPlugin`. Global, so two copies of the package agree on it. */
export const TenantRegistryToken = createToken<TenantRegistry>('TenantRegistry', { global: true });
