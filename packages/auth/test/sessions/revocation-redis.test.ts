import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisConnection, type RedisConnection } from '@koaforge/core';
import { type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRevocationStore } from '../../src/sessions/redis-revocation-store.js';
import type { AccessTokenService } from '../../src/tokens/access-token-service.js';
import { accessTokens } from '../tokens/support.js';
import { buildStack, type Stack } from './stack.js';

// Two app instances on one real Redis: a revocation made on one must reach access tokens verified
// (and cached) on the other within 1 s.

let redis: RedisServerHandle;
const connections: RedisConnection[] = [];
const closers: Array<() => Promise<void>> = [];

function connect(): RedisConnection {
  const connection = createRedisConnection({ url: redis.url, keyPrefix: 'multi:', reconnect: { maxDelayMs: 50 } });
  connections.push(connection);
  return connection;
}

/** A verifying instance: its own connection, deny-list mirror and token cache. */
async function verifier(start = true): Promise<{ tokens: AccessTokenService; revocations: RedisRevocationStore }> {
  const revocations = new RedisRevocationStore({ connection: connect() });
  closers.push(() => revocations.close());
  if (start) await revocations.start();
  return { tokens: accessTokens({ revocations }), revocations };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
  return performance.now() - started;
}

const revokedOn = (tokens: AccessTokenService, token: string) => () =>
  tokens.verify(token).then(
    () => false,
    (err: { code?: string }) => err.code === 'AUTH_TOKEN_REVOKED',
  );

let a: Stack;
let alice: { id: string; tenantId?: string; roles: readonly string[] };

beforeAll(async () => {
  redis = await startRedisServer();
  a = buildStack({ connection: connect() });
  await (a.revocations as RedisRevocationStore).start();
  alice = (await a.users.findByEmail('alice@acme.test', 'acme'))!;
});
afterAll(async () => {
  for (const close of closers) await close();
  await a?.close();
  for (const c of connections) await c.close();
  await redis?.stop();
});

describe('revocation across instances on one Redis', () => {
  it('reaches a token cached on another instance within 1 s', async () => {
    const b = await verifier();
    const { pair, sessionId } = await a.sessions.start(alice);
    await b.tokens.verify(pair.accessToken); // cached on B
    await a.tokens.verify(pair.accessToken); // cached on A
    await a.sessions.revoke(alice.id, sessionId);
    // SHOWCASE's "within 1 s" is the deadline of the wait: it throws when B still accepts the token.
    await waitFor('B to see the revocation', revokedOn(b.tokens, pair.accessToken), 1000);
    await expect(a.tokens.verify(pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
  });

  it('denies a single token (logout of one jti) on the other instance', async () => {
    const b = await verifier();
    const { pair, accessTokenId, sessionId } = await a.sessions.start(alice);
    await b.tokens.verify(pair.accessToken);
    await a.sessions.logout({ userId: alice.id, sessionId, tokenId: accessTokenId });
    await waitFor('B to see the logout', revokedOn(b.tokens, pair.accessToken), 1000);
  });

  it('gives an instance started later every live entry', async () => {
    const { pair, sessionId } = await a.sessions.start(alice);
    await a.sessions.revoke(alice.id, sessionId);
    const late = await verifier();
    expect(late.revocations.synced).toBe(true);
    await expect(late.tokens.verify(pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
  });

  it('asks Redis directly until the mirror is synced (lazy start)', async () => {
    const { pair, sessionId } = await a.sessions.start(alice);
    await a.sessions.revoke(alice.id, sessionId);
    const lazy = await verifier(false);
    expect(lazy.revocations.synced).toBe(false);
    await expect(lazy.tokens.verify(pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    await waitFor('the lazy mirror to sync', () => lazy.revocations.synced);
  });

  it('misses nothing while its subscriber is disconnected', async () => {
    const b = await verifier();
    const { pair, sessionId } = await a.sessions.start(alice);
    await b.tokens.verify(pair.accessToken);
    const admin = new Redis(redis.url);
    try {
      // Cut every pub/sub connection: messages published now are lost to B's mirror.
      await admin.client('KILL', 'TYPE', 'pubsub');
      await waitFor('B to notice', () => !b.revocations.synced, 1000);
      await a.sessions.revoke(alice.id, sessionId);
      // B answers from Redis (one round trip) or from a resynced mirror; never from a stale one.
      await expect(b.tokens.verify(pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
      await waitFor('B to resync', () => b.revocations.synced);
      await expect(b.tokens.verify(pair.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
      // And pub/sub works again after the resync.
      const next = await a.sessions.start(alice);
      await b.tokens.verify(next.pair.accessToken);
      await a.sessions.revoke(alice.id, next.sessionId);
      await waitFor('B to see a revocation after resync', revokedOn(b.tokens, next.pair.accessToken), 1000);
    } finally {
      admin.disconnect();
    }
  });
});
