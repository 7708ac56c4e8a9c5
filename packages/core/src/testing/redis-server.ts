import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway redis-server for integration tests. */
export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stop the server (SIGTERM, then SIGKILL after 2 s) and remove its directory. */
  stop(): Promise<void>;
  /** Kill it abruptly (to test "Redis went away"); `restart()` brings it back on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.write('PING\r\n');
      });
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not answer on ${host}:${port}`));
        else setTimeout(attempt, 20);
      });
      socket.connect(port, host);
    };
    attempt();
  });
}

export interface StartRedisOptions {
  /** Path of the redis-server binary. Default: `REDIS_SERVER_BIN` or `redis-server` on PATH. */
  bin?: string;
  /** Extra command-line arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  port?: number;
}

/**
 * Start a redis-server on a free loopback port with persistence off, in its own temp directory.
 * Tests call it in `beforeAll` and `stop()` in `afterAll`, so every test file has its own server
 * and files can run in parallel.
 *
 * @example
 * let redis: RedisServerHandle;
 * beforeAll(async () => { redis = await startRedisServer(); });
 * afterAll(() => redis.stop());
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const bin = options.bin ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'koaforge-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      host,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'no',
      ...(options.args ?? []),
    ];
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (err) =>
        reject(new Error(`could not start ${bin}: ${err.message} (is redis-server installed?)`)),
      );
      proc.once('exit', (code) => reject(new Error(`${bin} exited with code ${code} before answering`)));
    });
    await Promise.race([waitForPort(host, port, 10_000), failed]);
    proc.removeAllListeners('exit');
  };

  const terminate = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill(signal);
    });

  await launch();
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    async stop() {
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => terminate('SIGKILL'),
    restart: launch,
  };
}
