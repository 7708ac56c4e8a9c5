import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, type RedisServerHandle, startRedisServer } from './redis-server.js';

/** A throwaway Redis Cluster of masters (no replicas) for integration tests. */
export interface RedisClusterHandle {
  /** Startup nodes, e.g. for `createRedisConnection({ cluster: { nodes } })`. */
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** The servers, to kill or restart one in a test. */
  readonly servers: readonly RedisServerHandle[];
  /** Stop every node and remove their directories. */
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** Number of masters. Default 3 (the minimum `redis-cli --cluster create` accepts). */
  masters?: number;
  /** `cluster-node-timeout`. Default 2000 ms. */
  nodeTimeoutMs?: number;
  /** Path of redis-cli. Default: `REDIS_CLI_BIN` or `redis-cli` on PATH. */
  cliBin?: string;
  /** Path of redis-server (see `startRedisServer`). */
  bin?: string;
  /** How long to wait for `cluster_state:ok` on every node. Default 20 s. */
  readyTimeoutMs?: number;
}

/**
 * Start a Redis Cluster of `masters` nodes on loopback, each a `startRedisServer()` in its own temp
 * directory (so its `nodes.conf` survives `kill()`/`restart()` and the node rejoins), create the
 * cluster with `redis-cli --cluster create`, and wait until every node reports `cluster_state:ok`.
 * Each node gets an explicit `--cluster-port` from the OS: the default bus port (port + 10000)
 * does not exist for the ephemeral ports above 55535 that `freePort()` often returns.
 *
 * @example
 * let cluster: RedisClusterHandle;
 * beforeAll(async () => { cluster = await startRedisCluster(); }, 60_000);
 * afterAll(() => cluster.stop());
 * const redis = createRedisConnection({ cluster: { nodes: [...cluster.nodes] } });
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new RangeError('startRedisCluster(): redis-cli needs at least 3 masters');
  const servers: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const busPort = await freePort();
      const args = [
        '--cluster-enabled',
        'yes',
        // Relative: redis-server resolves it in its --dir, which is this node's own temp directory.
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 2000),
        '--cluster-port',
        String(busPort),
      ];
      servers.push(await startRedisServer({ args, ...(options.bin ? { bin: options.bin } : {}) }));
    }
    const cli = options.cliBin ?? process.env.REDIS_CLI_BIN ?? 'redis-cli';
    const addresses = servers.map((s) => `${s.host}:${s.port}`);
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], 60_000);
    await Promise.all(servers.map((s) => waitForClusterOk(s, options.readyTimeoutMs ?? 20_000)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: servers.map((s) => ({ host: s.host, port: s.port })), servers, stop };
}

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitForClusterOk(server: RedisServerHandle, timeoutMs: number): Promise<void> {
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  const deadline = Date.now() + timeoutMs;
  let info = '';
  try {
    while (Date.now() < deadline) {
      info = String(await client.call('CLUSTER', 'INFO').catch((err: Error) => err.message));
      if (info.includes('cluster_state:ok')) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Redis Cluster node ${server.host}:${server.port} not ok after ${timeoutMs} ms:\n${info}`);
  } finally {
    client.disconnect();
  }
}
