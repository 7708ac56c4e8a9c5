// @koaforge/tenant/postgres: PostgreSQL row-level security scoped to the request's tenant. Needs
// no `pg` at run time: pools are typed by shape (`pg.Pool` fits).

export { type TenantRlsOptions, tenantRlsSql } from './rls-sql.js';
export {
  type TenantPool,
  type TenantQueryClient,
  type WithTenantOptions,
  withTenant,
} from './with-tenant.js';
