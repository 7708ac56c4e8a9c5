import { assertSettingName } from './with-tenant.js';

export interface TenantRlsOptions {
  /** The table, optionally schema-qualified: `invoices` or `billing.invoices`. */
  table: string;
  /** The column holding the tenant id. Default `tenant_id`. */
  column?: string;
  /** The setting `withTenant` sets. Default `app.tenant_id`. */
  setting?: string;
  /** The policy's name. Default `<table>_tenant_isolation`. */
  policy?: string;
  /** Cast the setting to the column's type when it is not text, e.g. `uuid`. */
  cast?: string;
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const TYPE_RE = /^[A-Za-z_][A-Za-z0-9_ ]{0,62}$/;

function ident(name: string, what: string): string {
  if (!IDENT_RE.test(name)) throw new TypeError(`Invalid ${what} ${JSON.stringify(name)}: use letters, digits and _`);
  return `"${name}"`;
}

function qualified(table: string): { sql: string; bare: string } {
  const parts = table.split('.');
  if (parts.length > 2) throw new TypeError(`Invalid table ${JSON.stringify(table)}: use table or schema.table`);
  return { sql: parts.map((p) => ident(p, 'table name')).join('.'), bare: parts.at(-1)! };
}

/**
 * The SQL statements that confine a table to the tenant `withTenant` sets: enable row-level
 * security, FORCE it (so the table's owner is confined too), and one policy whose USING and WITH
 * CHECK compare the tenant column with the setting, so rows of other tenants are neither seen nor
 * written. Without a tenant set (or after a `withTenant` transaction ended, when the setting reads
 * as `''`) the comparison is never true: no rows. Run them in a migration, as the table's owner.
 *
 * The app must connect as a role that is not a superuser and has no `BYPASSRLS`: those skip every
 * policy, FORCE or not.
 *
 * @example
 * for (const sql of tenantRlsSql({ table: 'invoices' })) await admin.query(sql);
 */
export function tenantRlsSql(options: TenantRlsOptions): string[] {
  const { sql: table, bare } = qualified(options.table);
  const column = ident(options.column ?? 'tenant_id', 'column name');
  const setting = assertSettingName(options.setting ?? 'app.tenant_id');
  const policy = ident(options.policy ?? `${bare}_tenant_isolation`, 'policy name');
  if (options.cast !== undefined && !TYPE_RE.test(options.cast)) {
    throw new TypeError(`Invalid cast ${JSON.stringify(options.cast)}`);
  }
  // NULLIF: a setting that was set once in the session reads '' afterwards, not NULL; '' cast to
  // uuid would be an error instead of "no rows".
  const current = `NULLIF(current_setting('${setting}', true), '')${options.cast ? `::${options.cast}` : ''}`;
  const check = `${column} = ${current}`;
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS ${policy} ON ${table}`,
    `CREATE POLICY ${policy} ON ${table} USING (${check}) WITH CHECK (${check})`,
  ];
}
