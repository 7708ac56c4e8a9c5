import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestContext } from '../../src/context/request-context.js';
import { errorBoundary } from '../../src/errors/boundary.js';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { clientIp } from '../../src/http/client-ip.js';
import { BruteForceGuard, type BruteForceGuardOptions } from '../../src/ratelimit/brute-force.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/memory-store.js';
import { RedisRateLimitStore } from '../../src/ratelimit/redis-store.js';
import type { RateLimitStore } from '../../src/ratelimit/store.js';
import type { RedisConnection } from '../../src/redis/connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/testing/index.js';
import { connectTestRedis } from './redis.js';

let redis: RedisServerHandle;
let connection: RedisConnection;
beforeAll(async () => {
  redis = await startRedisServer();
  connection = await connectTestRedis(redis.url, 'bf:');
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

const fast: BruteForceGuardOptions = {
  maxFailuresPerAccount: 3,
  maxFailuresPerIp: 5,
  block: 1,
  blockFactor: 2,
  maxBlock: 4,
};
let guardNo = 0;

const stores: Array<[string, () => RateLimitStore]> = [
  ['memory', () => new MemoryRateLimitStore()],
  ['redis', () => new RedisRateLimitStore({ connection })],
];

async function blockedFor(guard: BruteForceGuard, account: string, ip: string): Promise<number | undefined> {
  const err = await guard.check(account, ip).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) return undefined;
  expect(hasErrorCode(err, 'RATE_LIMITED')).toBe(true);
  return Number((err as { headers: Record<string, string> }).headers['Retry-After']);
}

describe.each(stores)('BruteForceGuard on the %s store', (_name, makeStore) => {
  const make = () => new BruteForceGuard({ ...fast, store: makeStore(), name: `login${++guardNo}` });

  it('blocks an (account, ip) pair after consecutive failures, longer each time', async () => {
    const guard = make();
    expect((await guard.fail('alice', '198.51.100.1')).blocked).toBe(false);
    expect((await guard.fail('alice', '198.51.100.1')).blocked).toBe(false);
    expect(await guard.fail('alice', '198.51.100.1')).toEqual({ blocked: true, retryAfterSeconds: 1, failures: 3 });
    expect(await blockedFor(guard, 'alice', '198.51.100.1')).toBe(1);
    // Other IPs and other accounts are not blocked by the pair's block.
    expect(await blockedFor(guard, 'alice', '198.51.100.2')).toBeUndefined();
    expect(await blockedFor(guard, 'bob', '198.51.100.1')).toBeUndefined();

    await sleep(1100);
    expect(await blockedFor(guard, 'alice', '198.51.100.1')).toBeUndefined();
    await guard.fail('alice', '198.51.100.1');
    await guard.fail('alice', '198.51.100.1');
    expect((await guard.fail('alice', '198.51.100.1')).retryAfterSeconds).toBe(2);
    expect(await blockedFor(guard, 'alice', '198.51.100.1')).toBe(2);
  });

  it('forgets the pair on success: failures and block growth start over', async () => {
    const guard = make();
    for (let i = 0; i < 3; i++) await guard.fail('carol', '198.51.100.3');
    await sleep(1100);
    await guard.fail('carol', '198.51.100.3');
    await guard.fail('carol', '198.51.100.3');
    await guard.succeed('carol', '198.51.100.3');
    expect((await guard.fail('carol', '198.51.100.3')).failures).toBe(1);
    await guard.fail('carol', '198.51.100.3');
    // The third failure after the success blocks for the base time again, not the doubled one.
    expect((await guard.fail('carol', '198.51.100.3')).retryAfterSeconds).toBe(1);
  });

  it('blocks an IP guessing across many accounts, whatever the account', async () => {
    const guard = make();
    for (let i = 0; i < 4; i++) expect((await guard.fail(`user${i}`, '203.0.113.9')).blocked).toBe(false);
    expect((await guard.fail('user4', '203.0.113.9')).blocked).toBe(true);
    expect(await blockedFor(guard, 'someone-else', '203.0.113.9')).toBe(1);
    // A success on one account does not clear the IP's count.
    await guard.succeed('user0', '203.0.113.9');
    expect(await blockedFor(guard, 'someone-else', '203.0.113.9')).toBe(1);
    expect(await blockedFor(guard, 'someone-else', '203.0.113.10')).toBeUndefined();
  });
});

describe('BruteForceGuard on a login route', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const guard = new BruteForceGuard({ maxFailuresPerAccount: 2, block: 30 });
    const app = new Koa();
    app.use(requestContext());
    app.use(errorBoundary());
    app.use(async (ctx) => {
      const account = ctx.get('x-account');
      const ip = clientIp(ctx);
      await guard.check(account, ip);
      if (ctx.get('x-password') !== 'right') {
        await guard.fail(account, ip);
        ctx.status = 401;
        ctx.body = { ok: false };
        return;
      }
      await guard.succeed(account, ip);
      ctx.body = { ok: true };
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 429 RATE_LIMITED with Retry-After once blocked, even for the right password', async () => {
    const login = (password: string) => fetch(base, { headers: { 'x-account': 'dave', 'x-password': password } });
    expect((await login('wrong')).status).toBe(401);
    expect((await login('wrong')).status).toBe(401);
    const res = await login('right');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      detail: 'Too many failed attempts; retry in 30 s',
      policy: 'bf:login',
      retryAfter: 30,
    });
  });
});
