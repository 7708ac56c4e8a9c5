export { currentTenant, requireCurrentTenant } from './context.js';
export { TenantErrors } from './errors.js';
export type { TenantRecord, TenantRegistry } from './types.js';
