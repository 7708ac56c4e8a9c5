import { RequestContext, runWithContext } from '@koaforge/core';
import type { Context } from 'koa';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/apikeys/api-key-service.js';
import { ApiKeyVerifier } from '../../src/apikeys/api-key-verifier.js';
import { InvalidKeyThrottle } from '../../src/apikeys/invalid-key-throttle.js';
import { formatApiKey, generateApiKey, parseApiKey, randomBase62 } from '../../src/apikeys/key-format.js';
import { type SecretHasher, sha256SecretHasher } from '../../src/apikeys/key-hash.js';
import { MemoryApiKeyStore } from '../../src/apikeys/memory-store.js';
import { alice, bob, countingStore, rejection, showcaseAuthorizer, usersOf } from './fixtures.js';

let now: number;
let store: ReturnType<typeof countingStore>;
let service: ApiKeyService;

beforeEach(() => {
  now = Date.parse('2030-01-01T00:00:00.000Z');
  store = countingStore(new MemoryApiKeyStore({ now: () => now }));
  service = new ApiKeyService({ store, authorizer: showcaseAuthorizer(), now: () => now });
});

/** The id of `key` with another secret and a valid checksum: only the hash comparison can tell. */
function wrongSecret(key: string): string {
  const parsed = parseApiKey(key)!;
  return formatApiKey('live', parsed.id, randomBase62(parsed.secret.length));
}

describe('ApiKeyVerifier', () => {
  it('turns a valid key into an apiKey principal bound to its tenant', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const verifier = new ApiKeyVerifier({ store, throttle: false, now: () => now });
    expect(await verifier.verify(created.key)).toEqual({
      id: created.id,
      type: 'apiKey',
      tenantId: 'acme',
      scopes: ['files:read'],
      roles: ['member'],
      claims: { ownerId: 'bob' },
    });
  });

  it('rejects typos, truncations and garbage by checksum before any store lookup', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const verifier = new ApiKeyVerifier({ store, throttle: false, now: () => now });
    const before = store.total();
    const key = created.key;
    const typo = `${key.slice(0, 30)}${key[30] === 'a' ? 'b' : 'a'}${key.slice(31)}`;
    for (const bad of [
      typo,
      key.slice(0, -1),
      key.slice(0, 40),
      `${key}x`,
      '',
      'Bearer x',
      'kf_live_x',
      key.toUpperCase(),
    ]) {
      const err = await rejection(verifier.verify(bad));
      expect(err.code, bad).toBe('AUTH_API_KEY_INVALID');
      expect(err.headers?.['WWW-Authenticate']).toBe('ApiKey realm="api"');
    }
    expect(store.total()).toBe(before);
    // A well-formed key of another environment is refused without a lookup as well.
    await rejection(verifier.verify(generateApiKey('test').key));
    expect(store.total()).toBe(before);
    // A well-formed key with a wrong secret does reach the store, and fails there.
    await rejection(verifier.verify(wrongSecret(key)));
    expect(store.calls.get).toBe(1);
  });

  it('throttles invalid keys per IP before any store lookup, and answers 429 RATE_LIMITED', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const throttle = new InvalidKeyThrottle({ maxInvalidPerIp: 3, windowSeconds: 60 });
    const verifier = new ApiKeyVerifier({ store, throttle, now: () => now });
    const ip = '203.0.113.7';
    const forged = generateApiKey('live').key;
    for (let i = 0; i < 5; i++) expect(await verifier.verify(created.key, { ip })).toMatchObject({ id: created.id });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push((await rejection(verifier.verify(forged, { ip }))).code!);
    expect(codes).toEqual(['AUTH_API_KEY_INVALID', 'AUTH_API_KEY_INVALID', 'AUTH_API_KEY_INVALID']);
    const lookups = store.calls.get;
    const blocked = await rejection(verifier.verify(forged, { ip }));
    expect(blocked.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers?.['Retry-After'])).toBeGreaterThan(0);
    expect((await rejection(verifier.verify(created.key, { ip }))).code).toBe('RATE_LIMITED');
    expect(store.calls.get).toBe(lookups);
    // Another address has its own budget; an IPv6 /64 shares one.
    expect(await verifier.verify(created.key, { ip: '203.0.113.8' })).toMatchObject({ id: created.id });
    for (let i = 0; i < 3; i++) await rejection(verifier.verify(forged, { ip: `2001:db8:1:2::${i + 1}` }));
    expect((await rejection(verifier.verify(forged, { ip: '2001:db8:1:2::99' }))).code).toBe('RATE_LIMITED');
  });

  it('reads the client IP from the request context when none is given', async () => {
    const throttle = new InvalidKeyThrottle({ maxInvalidPerIp: 1 });
    const verifier = new ApiKeyVerifier({ store, throttle });
    const ctx = { req: { socket: { remoteAddress: '192.0.2.50' }, headers: {} } } as unknown as Context;
    const inRequest = () => runWithContext(new RequestContext({ requestId: 'r1', ctx }), () => verifier.verify('nope'));
    expect((await rejection(inRequest())).code).toBe('AUTH_API_KEY_INVALID');
    expect((await rejection(inRequest())).code).toBe('RATE_LIMITED');
    expect((await rejection(verifier.verify('nope', { ip: '192.0.2.51' }))).code).toBe('AUTH_API_KEY_INVALID');
  });

  it('refuses expired keys, and keys whose owner is gone, disabled or moved', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'], expiresInSeconds: 60 });
    const users = usersOf(alice, bob);
    const verifier = new ApiKeyVerifier({
      store,
      throttle: false,
      now: () => now,
      users: { findById: async (id) => users.get(id) },
    });
    expect((await verifier.verify(created.key)).roles).toEqual(['member']);
    users.set('bob', { ...users.get('bob')!, roles: ['admin'] });
    expect((await verifier.verify(created.key)).roles).toEqual(['admin']);
    users.set('bob', { ...users.get('bob')!, disabled: true });
    expect((await rejection(verifier.verify(created.key))).code).toBe('AUTH_API_KEY_INVALID');
    users.set('bob', { ...users.get('bob')!, disabled: false, tenantId: 'globex' });
    expect((await rejection(verifier.verify(created.key))).code).toBe('AUTH_API_KEY_INVALID');
    users.delete('bob');
    expect((await rejection(verifier.verify(created.key))).code).toBe('AUTH_API_KEY_INVALID');
    users.set('bob', usersOf(bob).get('bob')!);
    expect(await verifier.verify(created.key)).toBeDefined();
    now += 60_000;
    expect((await rejection(verifier.verify(created.key))).code).toBe('AUTH_API_KEY_INVALID');
  });

  it('records lastUsedAt at most once per interval', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const verifier = new ApiKeyVerifier({ store, throttle: false, now: () => now, touchIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) await verifier.verify(created.key);
    expect(store.calls.touch).toBe(1);
    expect((await store.get(created.id))?.lastUsedAt).toBe('2030-01-01T00:00:00.000Z');
    now += 60_000;
    await verifier.verify(created.key);
    expect(store.calls.touch).toBe(2);
  });

  it('does the same hash and compare work for an unknown id as for a wrong secret', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const seen: Array<{ op: string; lengths: number[] }> = [];
    const hasher: SecretHasher = {
      hash: (id, secret) => {
        const h = sha256SecretHasher.hash(id, secret);
        seen.push({ op: 'hash', lengths: [h.length] });
        return h;
      },
      equal: (a, b) => {
        seen.push({ op: 'equal', lengths: [a.length, b.length] });
        return sha256SecretHasher.equal(a, b);
      },
    };
    const verifier = new ApiKeyVerifier({ store, throttle: false, hasher, now: () => now });
    await rejection(verifier.verify(wrongSecret(created.key)));
    const wrong = seen.splice(0);
    await rejection(verifier.verify(generateApiKey('live').key));
    const unknown = seen.splice(0);
    expect(wrong).toEqual([
      { op: 'hash', lengths: [32] },
      { op: 'equal', lengths: [32, 32] },
    ]);
    expect(unknown).toEqual(wrong);
  });

  it('takes about as long for an unknown id as for a known id with a wrong secret', async () => {
    const created = await service.create(bob, { name: 'k', scopes: ['files:read'] });
    const verifier = new ApiKeyVerifier({ store, throttle: false, now: () => now });
    const wrong = wrongSecret(created.key);
    const unknown = generateApiKey('live').key;
    const sample = async (key: string) => {
      const t0 = process.hrtime.bigint();
      await verifier.verify(key).catch(() => undefined);
      return Number(process.hrtime.bigint() - t0);
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    for (let i = 0; i < 500; i++) await sample(i % 2 ? wrong : unknown);
    // Interleaved, so drift on a shared machine hits both alike; the best of three rounds, so one
    // round disturbed by another process does not fail the test.
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3 && best >= 0.25; round++) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 2000; i++) {
        a.push(await sample(wrong));
        b.push(await sample(unknown));
      }
      const [ma, mb] = [median(a), median(b)];
      best = Math.min(best, Math.abs(ma - mb) / Math.min(ma, mb));
    }
    expect(best).toBeLessThan(0.25);
  });
});
