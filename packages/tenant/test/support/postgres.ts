import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@koaforge/core/testing';
import pg from 'pg';

/** A throwaway PostgreSQL server for integration tests. */
export interface PostgresHandle {
  readonly host: string;
  readonly port: number;
  /** A superuser (`postgres`, trust auth on loopback): for setup, never for the code under test. */
  readonly adminUrl: string;
  /** Connection string for another role of this server. */
  urlFor(user: string, password: string): string;
  stop(): Promise<void>;
}

/**
 * Where the server binaries are: `PG_BIN` if set, else the newest `/usr/lib/postgresql/<v>/bin`
 * (Debian's apt layout, not on PATH), else `pg_config --bindir`. Throws a clear error when there
 * are none: the RLS tests must run, never skip silently.
 */
export function findPostgresBin(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'postgres'))) return dir;
  } catch {
    // no pg_config on PATH
  }
  throw new Error(
    'PostgreSQL server binaries not found (looked at $PG_BIN, /usr/lib/postgresql/*/bin, pg_config --bindir). ' +
      'Install them (Debian: apt-get install postgresql) — the row-level security tests need a real server.',
  );
}

/** PostgreSQL refuses to run as root: run it as the `postgres` OS user then. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('Running as root and there is no "postgres" OS user to run PostgreSQL as');
  }
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    // A probe refused or cut off while the server starts can also report on the client's 'error'
    // event after `connect()` rejected; that is expected here, never an unhandled error.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Start PostgreSQL on a free loopback port in its own temp directory (data and socket), with
 * durability off for speed. Call `stop()` in `afterAll`: it shuts the server down and removes the
 * directory.
 */
export async function startPostgres(): Promise<PostgresHandle> {
  const bin = findPostgresBin();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'koaforge-pg-'));
  const data = join(dir, 'data');
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const spawnOptions = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const host = '127.0.0.1';
  let child: ChildProcess | undefined;
  try {
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { ...spawnOptions, stdio: 'pipe', cwd: dir, env: { ...process.env, LC_ALL: 'C' } },
    );
    const port = await freePort(host);
    let output = '';
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        `listen_addresses=${host}`,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=40',
      ],
      { ...spawnOptions, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.stdout?.on('data', (d) => {
      output += String(d);
    });
    child.stderr?.on('data', (d) => {
      output = (output + String(d)).slice(-8000);
    });
    const adminUrl = `postgres://postgres@${host}:${port}/postgres`;
    await waitReady(adminUrl, child, () => (spawnError ? `${spawnError.message}\n${output}` : output), 20_000);
    const proc = child;
    return {
      host,
      port,
      adminUrl,
      urlFor: (name, password) =>
        `postgres://${encodeURIComponent(name)}:${encodeURIComponent(password)}@${host}:${port}/postgres`,
      stop: async () => {
        await terminate(proc);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child !== undefined) await terminate(child);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Fast shutdown (SIGINT), SIGKILL after 5 s. */
function terminate(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGINT');
  });
}
