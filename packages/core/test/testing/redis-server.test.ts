import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';

function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.once('error', reject);
    s.once('data', (d) => {
      s.destroy();
      resolve(String(d));
    });
    s.connect(port, '127.0.0.1', () => s.write(`${line}\r\n`));
  });
}

describe('startRedisServer (real redis-server)', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('starts a server on a free loopback port that answers commands', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await command(redis.port, 'SET k v')).toBe('+OK\r\n');
    expect(await command(redis.port, 'GET k')).toBe('$1\r\nv\r\n');
  });

  it('can be killed and restarted on the same port (data gone: persistence is off)', async () => {
    await redis.kill();
    await expect(command(redis.port, 'PING')).rejects.toThrow();
    await redis.restart();
    expect(await command(redis.port, 'PING')).toBe('+PONG\r\n');
    expect(await command(redis.port, 'GET k')).toBe('$-1\r\n');
  });
});
