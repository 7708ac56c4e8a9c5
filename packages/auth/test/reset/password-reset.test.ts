import { createHash } from 'node:crypto';
import { bodyParser, createRedisConnection, errorBoundary, type RedisConnection, requestContext } from '@koaforge/core';
import { listenKoa, type RedisServerHandle, startRedisServer } from '@koaforge/core/testing';
import Koa from 'koa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { AuthErrors } from '../../src/errors.js';
import { MemoryOutbox } from '../../src/mailer/memory-outbox.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { MemoryResetTokenStore } from '../../src/reset/memory-reset-token-store.js';
import { PasswordReset, type PasswordResetOptions } from '../../src/reset/password-reset.js';
import { RedisResetTokenStore } from '../../src/reset/redis-reset-token-store.js';
import type { ResetTokenStore } from '../../src/reset/reset-token-store.js';
import type { AuthUser } from '../../src/users/user-store.js';
import { FakeUserStore, PASSWORD, TEST_ARGON2 } from '../passwords/fake-user-store.js';
import { FakeSessionRevoker } from './fake-session-revoker.js';

const ORIGIN = 'https://app.acme.test';
const NEW_PASSWORD = 'a-brand-new-long-password';

let clock: number;
let users: FakeUserStore;
let hasher: PasswordHasher;
let outbox: MemoryOutbox;
let sessions: FakeSessionRevoker;
let events: AuditInput[];
let alice: AuthUser;

beforeAll(async () => {
  hasher = await PasswordHasher.create(TEST_ARGON2);
});

beforeEach(async () => {
  clock = Date.parse('2026-01-01T00:00:00Z');
  users = new FakeUserStore();
  outbox = new MemoryOutbox();
  sessions = new FakeSessionRevoker();
  events = [];
  alice = await users.create({ email: 'alice@acme.test', passwordHash: await hasher.hash(PASSWORD) });
});

function makeReset(overrides: Partial<PasswordResetOptions> = {}): PasswordReset {
  return new PasswordReset({
    users,
    hasher,
    store: new MemoryResetTokenStore({ now: () => clock }),
    mailer: outbox,
    sessions,
    origin: ORIGIN,
    audit: { record: (e) => events.push(e) },
    now: () => clock,
    ...overrides,
  });
}

/** The token from the last mail's link. */
function tokenFromMail(): string {
  const text = outbox.messages().at(-1)?.text ?? '';
  const match = /https:\/\/app\.acme\.test\/reset-password#token=([A-Za-z0-9_-]{43})/.exec(text);
  if (!match?.[1]) throw new Error(`no reset link in: ${text}`);
  return match[1];
}

describe('PasswordReset.request', () => {
  it('mails a link on the configured origin with the token in the fragment', async () => {
    const reset = makeReset();
    await reset.request(' ALICE@acme.test ');
    await reset.settled();
    const [mail] = outbox.messages();
    expect(mail).toMatchObject({ to: 'alice@acme.test', subject: 'Reset your password' });
    expect(mail?.text).toContain('within 30 minutes');
    expect(tokenFromMail()).toHaveLength(43);
    expect(events).toEqual([
      expect.objectContaining({ type: 'password.reset_requested', outcome: 'success', subjectId: alice.id }),
    ]);
  });

  it('stores only the SHA-256 of the token', async () => {
    const puts: string[] = [];
    const inner = new MemoryResetTokenStore();
    const spy: ResetTokenStore = {
      put: (hash, record, ttl) => {
        puts.push(hash);
        return inner.put(hash, record, ttl);
      },
      take: (hash) => inner.take(hash),
      voidForUser: (id) => inner.voidForUser(id),
    };
    const reset = makeReset({ store: spy });
    await reset.request('alice@acme.test');
    await reset.settled();
    const token = tokenFromMail();
    expect(puts).toHaveLength(1);
    expect(puts[0]).not.toContain(token);
    expect(puts[0]).toBe(createHash('sha256').update(`koaforge:password-reset:${token}`).digest('hex'));
  });

  it('resolves the same way for unknown, disabled and malformed addresses, and mails nobody', async () => {
    const dave = await users.create({ email: 'dave@acme.test', passwordHash: await hasher.hash(PASSWORD) });
    await users.update(dave.id, { disabled: true });
    const reset = makeReset();
    const answers = await Promise.all([
      reset.request('nobody@acme.test'),
      reset.request('dave@acme.test'),
      reset.request(42),
      reset.request('x'.repeat(5000)),
    ]);
    await reset.settled();
    expect(answers).toEqual([undefined, undefined, undefined, undefined]);
    expect(outbox.messages()).toEqual([]);
    expect(events.map((e) => e.reason).sort()).toEqual([
      'account_disabled',
      'unknown_account',
      'unknown_account',
      'unknown_account',
    ]);
  });

  it('a failing mailer or store does not change the answer (it is logged in the background)', async () => {
    const reset = makeReset({ mailer: { send: () => Promise.reject(new Error('smtp down')) } });
    await expect(reset.request('alice@acme.test')).resolves.toBeUndefined();
    await reset.settled();
  });

  it('builds the link from the configured origin even when the request names a hostile host', async () => {
    const reset = makeReset();
    const koa = new Koa({ proxy: true });
    koa.use(requestContext());
    koa.use(errorBoundary());
    koa.use(bodyParser());
    koa.use(async (ctx) => {
      await reset.request((ctx.request.body as { email?: unknown }).email);
      ctx.status = 202;
    });
    const { base, close } = await listenKoa(koa);
    try {
      const res = await fetch(`${base}/forgot`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          host: 'evil.example',
          'x-forwarded-host': 'evil.example',
          'x-forwarded-proto': 'http',
          forwarded: 'host=evil.example',
          origin: 'https://evil.example',
        },
        body: JSON.stringify({ email: 'alice@acme.test' }),
      });
      expect(res.status).toBe(202);
      await reset.settled();
      const text = outbox.messages()[0]?.text ?? '';
      expect(text).toContain(`${ORIGIN}/reset-password#token=`);
      expect(text).not.toContain('evil');
    } finally {
      await close();
    }
  });

  it('refuses an origin that is not scheme://host[:port] at construction', () => {
    for (const origin of ['app.acme.test', 'https://app.acme.test/path', 'javascript:alert(1)', 'https://u:p@x.test']) {
      expect(() => makeReset({ origin }), origin).toThrow(/origin/);
    }
    expect(() => makeReset({ origin: 'https://app.acme.test/' })).not.toThrow();
  });
});

describe('PasswordReset.reset', () => {
  it('sets the new password, revokes every session and audits, once', async () => {
    const reset = makeReset();
    await reset.request('alice@acme.test');
    await reset.settled();
    const token = tokenFromMail();
    expect(await reset.reset(token, NEW_PASSWORD)).toEqual({ userId: alice.id });
    const stored = users.users.get(alice.id)?.passwordHash ?? '';
    expect((await hasher.verify(stored, NEW_PASSWORD)).ok).toBe(true);
    expect((await hasher.verify(stored, PASSWORD)).ok).toBe(false);
    // FakeSessionRevoker: the real session service is another engineer's; only the call is checked.
    expect(sessions.calls).toEqual([{ userId: alice.id, reason: 'password_reset' }]);
    expect(events.at(-1)).toMatchObject({ type: 'password.reset', outcome: 'success', subjectId: alice.id });

    const reused = await reset.reset(token, 'yet-another-password').catch((e: unknown) => e);
    expect(AuthErrors.AUTH_RESET_INVALID.is(reused)).toBe(true);
    expect(reused).toMatchObject({ status: 400 });
    expect(sessions.calls).toHaveLength(1);
  });

  it('enforces the 30-minute expiry (in the service, whatever the store keeps)', async () => {
    // A store on the real clock still holds the token: the service's own check refuses it.
    const reset = makeReset({ store: new MemoryResetTokenStore() });
    await reset.request('alice@acme.test');
    await reset.settled();
    clock += 30 * 60_000;
    await expect(reset.reset(tokenFromMail(), NEW_PASSWORD)).rejects.toMatchObject({ code: 'AUTH_RESET_INVALID' });
    expect(events.at(-1)).toMatchObject({ outcome: 'failure', reason: 'expired_token' });
  });

  it('the store forgets the token after 30 minutes too', async () => {
    const reset = makeReset();
    await reset.request('alice@acme.test');
    await reset.settled();
    clock += 30 * 60_000 + 1;
    await expect(reset.reset(tokenFromMail(), NEW_PASSWORD)).rejects.toMatchObject({ code: 'AUTH_RESET_INVALID' });
    expect(events.at(-1)).toMatchObject({ outcome: 'failure', reason: 'unknown_or_used_token' });
  });

  it('a token used within its 30 minutes works', async () => {
    const reset = makeReset();
    await reset.request('alice@acme.test');
    await reset.settled();
    clock += 29 * 60_000;
    await expect(reset.reset(tokenFromMail(), NEW_PASSWORD)).resolves.toEqual({ userId: alice.id });
  });

  it('a new request voids the older token', async () => {
    const reset = makeReset();
    await reset.request('alice@acme.test');
    await reset.settled();
    const first = tokenFromMail();
    await reset.request('alice@acme.test');
    await reset.settled();
    const second = tokenFromMail();
    expect(second).not.toBe(first);
    await expect(reset.reset(first, NEW_PASSWORD)).rejects.toMatchObject({ code: 'AUTH_RESET_INVALID' });
    await expect(reset.reset(second, NEW_PASSWORD)).resolves.toEqual({ userId: alice.id });
  });

  it('a password the policy refuses does not spend the token', async () => {
    const reset = makeReset();
    await reset.request('alice@acme.test');
    await reset.settled();
    const token = tokenFromMail();
    await expect(reset.reset(token, 'short')).rejects.toMatchObject({ code: 'AUTH_PASSWORD_WEAK', status: 422 });
    await expect(reset.reset(token, NEW_PASSWORD)).resolves.toEqual({ userId: alice.id });
  });

  it('refuses malformed and unknown tokens without revoking anything', async () => {
    const reset = makeReset();
    for (const token of [undefined, '', 'x'.repeat(43), 'short', 'a'.repeat(10_000), { token: 'x' }]) {
      await expect(reset.reset(token, NEW_PASSWORD)).rejects.toMatchObject({ code: 'AUTH_RESET_INVALID' });
    }
    expect(sessions.calls).toEqual([]);
  });
});

describe('PasswordReset: 10 parallel resets with one token', () => {
  let server: RedisServerHandle;
  let connection: RedisConnection;

  beforeAll(async () => {
    server = await startRedisServer();
    connection = createRedisConnection({ url: server.url, keyPrefix: 'reset-race:' });
    await connection.connect({ timeoutMs: 5000 });
  });
  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  for (const kind of ['memory', 'redis'] as const) {
    it(`exactly one succeeds (${kind} store)`, async () => {
      const store = kind === 'memory' ? new MemoryResetTokenStore() : new RedisResetTokenStore({ connection });
      const reset = makeReset({ store });
      await reset.request('alice@acme.test');
      await reset.settled();
      const token = tokenFromMail();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => reset.reset(token, `${NEW_PASSWORD}-${i}`)),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter(
        (r) => r.status === 'rejected' && AuthErrors.AUTH_RESET_INVALID.is((r as PromiseRejectedResult).reason),
      );
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(9);
      expect(sessions.calls).toHaveLength(1);
    });
  }
});
