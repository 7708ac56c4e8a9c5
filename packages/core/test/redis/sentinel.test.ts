import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/redis/create-connection.js';
import { freePort, type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { waitFor } from './support.js';

let master: RedisServerHandle;
let sentinel: ChildProcess;
let sentinelPort: number;
let dir: string;

beforeAll(async () => {
  master = await startRedisServer();
  sentinelPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'koaforge-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it must be a writable file of its own.
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor main 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds main 1000',
      '',
    ].join('\n'),
  );
  sentinel = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const probe = new Redis({ port: sentinelPort, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  try {
    await waitFor(
      () =>
        probe
          .call('SENTINEL', 'get-master-addr-by-name', 'main')
          .then((addr) => Array.isArray(addr) && String(addr[1]) === String(master.port))
          .catch(() => false),
      10_000,
      'sentinel to know the master',
    );
  } finally {
    probe.disconnect();
  }
}, 30_000);

afterAll(async () => {
  sentinel?.kill('SIGKILL');
  await master?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Redis through Sentinel (real redis-sentinel)', () => {
  it('finds the master through the sentinel and runs commands', async () => {
    const conn = createRedisConnection({ sentinel: { sentinels: [`127.0.0.1:${sentinelPort}`], name: 'main' } });
    expect(conn.target).toBe(`sentinel main via 127.0.0.1:${sentinelPort}`);
    try {
      expect(conn.client.status).toBe('wait');
      await conn.client.set('s:k', 'v');
      expect(await conn.client.get('s:k')).toBe('v');
      expect(await conn.ping()).toBeGreaterThanOrEqual(0);
      const sub = conn.subscriber();
      const got = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)));
      await sub.subscribe('s:events');
      await conn.client.publish('s:events', 'hi');
      expect(await got).toBe('hi');
    } finally {
      await conn.close();
    }
    expect(conn.client.status).toBe('end');
  });
});
