import type { Logger, RedisConnection } from '@koaforge/core';
import { type RevocationEntry, type RevocationStore, revocationMember } from './revocation-store.js';

export interface RedisRevocationStoreOptions {
  connection: RedisConnection;
  logger?: Pick<Logger, 'warn' | 'info'>;
  now?: () => number;
}

const SWEEP_EVERY_MS = 60_000;
const noop = () => undefined;

function parseMessage(message: string): [string, number] | undefined {
  try {
    const value: unknown = JSON.parse(message);
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number') {
      return [value[0], value[1]];
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}

/**
 * The deny-list shared through Redis: a sorted set (`auth:revoked`, member `s:<sid>` / `t:<jti>`,
 * score = when it may go) plus a pub/sub channel of the same name announcing every addition.
 *
 * Each instance keeps a local mirror, filled by subscribing first and then loading the set, so a
 * verification asks a `Map` instead of Redis: a round trip on loopback (~50–100 µs, more across a
 * network) would cost ten times the cached verification it guards and make every protected request
 * depend on Redis answering. A revocation reaches the other instances as fast as a pub/sub message
 * (milliseconds).
 *
 * Pub/sub loses messages while the subscriber is disconnected, so the mirror is trusted only while
 * it is known complete: on disconnect it drops to "unsynced" and every verification asks Redis
 * directly (one ZMSCORE) until a resubscribe + reload completes. If Redis cannot answer either, the
 * verification fails (closed): a revoked token is never let through for want of a deny-list.
 *
 * @example
 * const revocations = new RedisRevocationStore({ connection });
 * await revocations.start(); // at boot: subscribe and load (else done lazily on first use)
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #connection: RedisConnection;
  readonly #key: string;
  readonly #logger: Pick<Logger, 'warn' | 'info'> | undefined;
  readonly #now: () => number;
  readonly #mirror = new Map<string, number>();
  #synced = false;
  #closed = false;
  #listening = false;
  /** Bumped on every disconnect, so a sync that straddles one does not claim completeness. */
  #generation = 0;
  #syncing: Promise<void> | undefined;
  #lastSweep = 0;
  #wasDown = false;

  constructor(options: RedisRevocationStoreOptions) {
    this.#connection = options.connection;
    this.#key = options.connection.key('auth', 'revoked');
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** True while verifications are answered from the local mirror. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Subscribe and load the deny-list; resolves once this instance can answer locally. */
  start(): Promise<void> {
    return this.#sync();
  }

  async revoke(entry: RevocationEntry): Promise<void> {
    const member = revocationMember(entry.kind, entry.id);
    this.#remember(member, entry.expiresAt);
    const client = this.#connection.client;
    // GT: a second revocation of the same id never shortens the entry.
    const results = await client
      .multi()
      .zadd(this.#key, 'GT', entry.expiresAt, member)
      .zremrangebyscore(this.#key, '-inf', this.#now())
      .exec();
    for (const [err] of results ?? []) if (err) throw err;
    // Stored before announced: an instance syncing in between finds it in the set.
    await client.publish(this.#key, JSON.stringify([member, entry.expiresAt]));
  }

  isRevoked(sessionId: string, tokenId: string): boolean | Promise<boolean> {
    const sessionMember = revocationMember('session', sessionId);
    const tokenMember = revocationMember('token', tokenId);
    if (this.#denied(sessionMember) || this.#denied(tokenMember)) return true;
    if (this.#synced) return false;
    if (!this.#closed) this.#sync().catch(noop);
    return this.#lookup(sessionMember, tokenMember);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#synced = false;
    if (!this.#listening) return;
    const subscriber = this.#connection.subscriber();
    subscriber.off('message', this.#onMessage);
    subscriber.off('close', this.#onDown);
    subscriber.off('ready', this.#onReady);
    await subscriber.unsubscribe(this.#key).catch(noop);
  }

  async #lookup(sessionMember: string, tokenMember: string): Promise<boolean> {
    const [sessionUntil, tokenUntil] = await this.#connection.client.zmscore(this.#key, sessionMember, tokenMember);
    const now = this.#now();
    return (sessionUntil != null && Number(sessionUntil) > now) || (tokenUntil != null && Number(tokenUntil) > now);
  }

  #sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('RedisRevocationStore is closed'));
    if (this.#syncing === undefined) {
      this.#syncing = this.#load().finally(() => {
        this.#syncing = undefined;
      });
    }
    return this.#syncing;
  }

  async #load(): Promise<void> {
    const generation = this.#generation;
    const subscriber = this.#connection.subscriber();
    if (!this.#listening) {
      this.#listening = true;
      subscriber.on('message', this.#onMessage);
      subscriber.on('close', this.#onDown);
      subscriber.on('ready', this.#onReady);
    }
    // Subscribe before loading: whatever is added meanwhile arrives as a message, so nothing falls
    // between the snapshot and the stream.
    await subscriber.subscribe(this.#key);
    const flat = await this.#connection.client.zrangebyscore(this.#key, this.#now(), '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < flat.length; i += 2) this.#remember(flat[i]!, Number(flat[i + 1]));
    if (generation === this.#generation && !this.#closed) {
      this.#synced = true;
      if (this.#wasDown) {
        this.#wasDown = false;
        this.#logger?.info({ key: this.#key }, 'auth deny-list: subscribed again; answering locally');
      }
    }
  }

  readonly #onMessage = (channel: string, message: string): void => {
    if (channel !== this.#key) return;
    const parsed = parseMessage(message);
    if (parsed !== undefined) this.#remember(parsed[0], parsed[1]);
  };

  readonly #onDown = (): void => {
    this.#generation += 1;
    if (this.#synced) {
      this.#synced = false;
      this.#wasDown = true;
      this.#logger?.warn(
        { key: this.#key },
        'auth deny-list: subscriber disconnected; asking Redis on every verification until resynced',
      );
    }
  };

  readonly #onReady = (): void => {
    if (!this.#closed && !this.#synced) this.#sync().catch(noop);
  };

  #remember(member: string, expiresAt: number): void {
    const now = this.#now();
    if (expiresAt <= now) return;
    this.#mirror.set(member, Math.max(expiresAt, this.#mirror.get(member) ?? 0));
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) {
      this.#lastSweep = now;
      for (const [m, until] of this.#mirror) if (until <= now) this.#mirror.delete(m);
    }
  }

  #denied(member: string): boolean {
    const until = this.#mirror.get(member);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#mirror.delete(member);
    return false;
  }
}
