import { RequestContext, runWithContext } from '@koaforge/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantRlsSql, withTenant } from '../../src/postgres/index.js';
import { type PostgresHandle, startPostgres } from '../support/postgres.js';

let server: PostgresHandle;
let admin: pg.Client;
const pools: pg.Pool[] = [];
/** Connection errors pg reports by event (an idle pooled client cut off, say): none are expected. */
const connectionErrors: Error[] = [];
const recordError = (err: Error) => void connectionErrors.push(err);

/** A pool of the app role: not a superuser, no BYPASSRLS, not the tables' owner. */
function appPool(max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: server.urlFor('app', 'app-password'), max });
  pool.on('error', recordError);
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.adminUrl });
  admin.on('error', recordError);
  await admin.connect();
  await admin.query(`CREATE ROLE app LOGIN PASSWORD 'app-password' NOSUPERUSER NOBYPASSRLS`);
  // The tables' owner is an ordinary role too (a migration role): FORCE confines it as well.
  await admin.query(`CREATE ROLE migrator NOLOGIN NOSUPERUSER NOBYPASSRLS`);
  await admin.query(`GRANT CREATE ON SCHEMA public TO migrator`);
  await admin.query(`SET ROLE migrator`);
  await admin.query(`CREATE TABLE notes (id serial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL)`);
  for (const sql of tenantRlsSql({ table: 'notes' })) await admin.query(sql);
  await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO app`);
  await admin.query(`GRANT USAGE ON SEQUENCE notes_id_seq TO app`);
  // FORCE applies RLS to the owner too: seed inside each tenant's context.
  for (const [tenant, body] of [
    ['acme', 'a1'],
    ['acme', 'a2'],
    ['globex', 'g1'],
  ]) {
    await admin.query('BEGIN');
    await admin.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
    await admin.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [tenant, body]);
    await admin.query('COMMIT');
  }
  await admin.query(`RESET ROLE`);
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin?.end();
  await server?.stop();
  // Reported, not thrown: a dropped connection is the environment's doing, and every test above
  // asserts its own outcome.
  for (const err of connectionErrors) console.warn('postgres connection error during the tests:', err);
});

const bodies = (rows: Array<{ body: string }>) => rows.map((r) => r.body).sort();

describe('withTenant against PostgreSQL row-level security', () => {
  it('generates ENABLE + FORCE RLS and one policy checking the tenant on read and write', () => {
    const sql = tenantRlsSql({ table: 'billing.invoices', cast: 'uuid' });
    expect(sql[0]).toBe('ALTER TABLE "billing"."invoices" ENABLE ROW LEVEL SECURITY');
    expect(sql[1]).toBe('ALTER TABLE "billing"."invoices" FORCE ROW LEVEL SECURITY');
    expect(sql[3]).toContain(`USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)`);
    expect(sql[3]).toContain('WITH CHECK');
    expect(() => tenantRlsSql({ table: 'x; DROP TABLE y' })).toThrow(/Invalid/);
    expect(() => tenantRlsSql({ table: 't', setting: "a.b'--" })).toThrow(/Invalid/);
  });

  it('without a tenant, a query sees no rows (FORCE applies to the owner too)', async () => {
    const pool = appPool(2);
    expect((await pool.query('SELECT * FROM notes')).rowCount).toBe(0);
    await admin.query('SET ROLE migrator');
    try {
      expect((await admin.query('SELECT * FROM notes')).rowCount).toBe(0);
    } finally {
      await admin.query('RESET ROLE');
    }
    // Why the app must not connect as a superuser (or a BYPASSRLS role): it skips every policy.
    expect((await admin.query('SELECT * FROM notes')).rowCount).toBe(3);
  });

  it('a tenant sees only its rows, and cannot write rows of another tenant', async () => {
    const pool = appPool(2);
    const acme = await withTenant(pool, 'acme', (db) => db.query('SELECT body FROM notes'));
    expect(bodies(acme.rows)).toEqual(['a1', 'a2']);
    const globex = await withTenant(pool, 'globex', (db) => db.query('SELECT body FROM notes'));
    expect(bodies(globex.rows)).toEqual(['g1']);

    await expect(
      withTenant(pool, 'acme', (db) => db.query(`INSERT INTO notes (tenant_id, body) VALUES ('globex', 'planted')`)),
    ).rejects.toThrow(/row-level security/);
    // Nor move its own row to another tenant.
    await expect(
      withTenant(pool, 'acme', (db) => db.query(`UPDATE notes SET tenant_id = 'globex' WHERE body = 'a1'`)),
    ).rejects.toThrow(/row-level security/);
    // Updates and deletes of other tenants' rows touch nothing.
    const touched = await withTenant(pool, 'acme', (db) => db.query(`DELETE FROM notes WHERE tenant_id = 'globex'`));
    expect(touched.rowCount).toBe(0);
    expect(bodies((await withTenant(pool, 'globex', (db) => db.query('SELECT body FROM notes'))).rows)).toEqual(['g1']);
  });

  it('uses the current request tenant by default, and needs one', async () => {
    const pool = appPool(1);
    const rc = new RequestContext({ requestId: 'r' });
    rc.setTenant({ id: 'globex' });
    const rows = await runWithContext(rc, () =>
      withTenant(pool, undefined, (db) => db.query('SELECT body FROM notes')),
    );
    expect(bodies(rows.rows)).toEqual(['g1']);
    await expect(withTenant(pool, undefined, async () => 1)).rejects.toMatchObject({ code: 'TENANT_REQUIRED' });
    await expect(withTenant(pool, "x'; --", async () => 1)).rejects.toMatchObject({ code: 'TENANT_INVALID' });
  });

  it('never carries the tenant over to the next user of a pooled connection', async () => {
    const pool = appPool(1);
    const pid = await withTenant(pool, 'acme', async (db) => {
      const r = await db.query('SELECT pg_backend_pid() AS pid, count(*)::int AS n FROM notes');
      expect(r.rows[0].n).toBe(2);
      return r.rows[0].pid as number;
    });
    const after = await pool.query(
      `SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id', true) AS setting, (SELECT count(*)::int FROM notes) AS n`,
    );
    expect(after.rows[0].pid).toBe(pid); // the same connection
    expect(after.rows[0].setting).toBe(''); // transaction-local: gone after COMMIT
    expect(after.rows[0].n).toBe(0);
  });

  it('rolls back and releases when fn throws', async () => {
    const pool = appPool(1);
    const boom = new Error('boom');
    await expect(
      withTenant(pool, 'acme', async (db) => {
        await db.query(`INSERT INTO notes (tenant_id, body) VALUES ('acme', 'rolled-back')`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(pool.idleCount).toBe(1);
    expect(pool.totalCount).toBe(1);
    const rows = await withTenant(pool, 'acme', (db) => db.query('SELECT body FROM notes'));
    expect(bodies(rows.rows)).toEqual(['a1', 'a2']);
    // A failing statement (aborted transaction) also rolls back cleanly.
    await expect(withTenant(pool, 'acme', (db) => db.query('SELECT * FROM no_such_table'))).rejects.toThrow(
      /does not exist/,
    );
    expect((await withTenant(pool, 'acme', (db) => db.query('SELECT 1'))).rowCount).toBe(1);
  });

  it('concurrent calls for different tenants on a small pool each see only their rows', async () => {
    const pool = appPool(3);
    const tenants = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'acme' : 'globex'));
    const results = await Promise.all(
      tenants.map((t) =>
        withTenant(pool, t, async (db) => {
          await db.query('SELECT pg_sleep(0.005)');
          const r = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM notes');
          return { t, seen: [...new Set(r.rows.map((row) => row.tenant_id))], n: r.rowCount };
        }),
      ),
    );
    for (const { t, seen, n } of results) {
      expect(seen).toEqual([t]);
      expect(n).toBe(t === 'acme' ? 2 : 1);
    }
    expect(pool.totalCount).toBeLessThanOrEqual(3);
  });

  it('destroys a connection whose rollback failed instead of returning it to the pool', async () => {
    const released: unknown[] = [];
    const fake = {
      connect: async () => ({
        query: async (text: string) => {
          if (text === 'ROLLBACK') throw new Error('connection lost');
          return { rows: [] };
        },
        release: (err?: Error | boolean) => void released.push(err),
      }),
    };
    await expect(
      withTenant(fake, 'acme', async () => {
        throw new Error('fn failed');
      }),
    ).rejects.toThrow('fn failed');
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(Error);
    await withTenant(fake, 'acme', async () => 1);
    expect(released[1]).toBeUndefined();
  });
});
