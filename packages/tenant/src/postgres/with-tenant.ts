import { currentContext } from '@koaforge/core';
import { TenantErrors } from '../errors.js';
import { assertTenantId } from '../tenant-id.js';

/** What `withTenant` needs of a client: `pg.PoolClient` fits. */
export interface TenantQueryClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
  /** Give the connection back; with an error (or `true`) the pool destroys it instead. */
  release(err?: Error | boolean): void;
}

/** What `withTenant` needs of a pool: `pg.Pool` fits (so `pg` is not a dependency of this package). */
export interface TenantPool<C extends TenantQueryClient = TenantQueryClient> {
  connect(): Promise<C>;
  /**
   * `pg.Pool` also has a callback form. Declaring it here lets TypeScript infer `C` from the
   * promise form (`pg.PoolClient`, so `fn` gets typed query results); pools without it still fit.
   */
  connect(callback: (...args: never[]) => void): void;
}

export interface WithTenantOptions {
  /** The setting the RLS policies read. Default `app.tenant_id`. */
  setting?: string;
  /** Tenant ids must match it. Default: `DEFAULT_TENANT_ID_PATTERN`. */
  idPattern?: RegExp;
}

const SETTING_RE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

export function assertSettingName(setting: string): string {
  if (!SETTING_RE.test(setting)) {
    throw new TypeError(`Invalid setting name ${JSON.stringify(setting)}: use "prefix.name" (letters, digits, _)`);
  }
  return setting;
}

/**
 * Run `fn` with a pooled connection inside a transaction scoped to one tenant (the current
 * request's when `tenantId` is undefined): `BEGIN`, `set_config(setting, tenant, true)`, `fn`,
 * `COMMIT`. An error rolls back and is rethrown; the connection is always released.
 *
 * The setting is transaction-local (`is_local = true`): it ends with COMMIT or ROLLBACK, so the
 * next user of the pooled connection never inherits this tenant. A connection whose ROLLBACK
 * failed is destroyed, not returned to the pool.
 *
 * Row-level security only protects you when the app connects as a role that is neither superuser
 * nor `BYPASSRLS`, and tables use `FORCE ROW LEVEL SECURITY` (see `tenantRlsSql`).
 *
 * @example
 * const invoices = await withTenant(pool, undefined, (db) => db.query('SELECT * FROM invoices'));
 */
export async function withTenant<T, C extends TenantQueryClient>(
  pool: TenantPool<C>,
  tenantId: string | undefined,
  fn: (client: C) => Promise<T>,
  options: WithTenantOptions = {},
): Promise<T> {
  const id = tenantId ?? currentContext()?.tenant?.id;
  if (id === undefined) throw TenantErrors.TENANT_REQUIRED();
  assertTenantId(id, options.idPattern);
  const setting = assertSettingName(options.setting ?? 'app.tenant_id');
  const client = await pool.connect();
  // Set when the connection's state is unknown: the pool then destroys it instead of reusing it.
  let broken: Error | undefined;
  try {
    try {
      await client.query('BEGIN');
    } catch (err) {
      broken = asError(err);
      throw err;
    }
    try {
      await client.query('SELECT set_config($1, $2, true)', [setting, id]);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = asError(rollbackError);
      }
      throw err;
    }
  } finally {
    client.release(broken);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
