import { isSessionLive, type SessionRecord, type SessionSeen, type SessionStore } from './session-store.js';

const SWEEP_EVERY_MS = 60_000;

/**
 * Sessions in process memory (one process; development and tests). Every operation is synchronous
 * inside, so check-and-set steps cannot interleave.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async create(record: SessionRecord): Promise<void> {
    this.#sweepIfDue();
    const stored = freeze(record);
    this.#sessions.set(record.id, stored);
    let ids = this.#byUser.get(record.userId);
    if (ids === undefined) {
      ids = new Set();
      this.#byUser.set(record.userId, ids);
    }
    ids.add(record.id);
  }

  async get(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    return this.#find(userId, sessionId);
  }

  async listForUser(userId: string): Promise<SessionRecord[]> {
    const ids = this.#byUser.get(userId);
    if (ids === undefined) return [];
    const now = this.#now();
    const live: SessionRecord[] = [];
    for (const id of ids) {
      const session = this.#find(userId, id);
      if (session !== undefined && isSessionLive(session, now)) live.push(session);
    }
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  async touch(userId: string, sessionId: string, seen: SessionSeen): Promise<boolean> {
    const session = this.#find(userId, sessionId);
    if (session === undefined || session.revokedAt !== undefined) return false;
    const next: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = { ...session, lastSeenAt: seen.at };
    if (seen.ip !== undefined) next.ip = seen.ip;
    if (seen.userAgent !== undefined) next.userAgent = seen.userAgent;
    this.#sessions.set(sessionId, freeze(next));
    return true;
  }

  async revoke(userId: string, sessionId: string, at: number, reason: string): Promise<SessionRecord | undefined> {
    const session = this.#find(userId, sessionId);
    if (session === undefined || session.revokedAt !== undefined) return undefined;
    const revoked = freeze({ ...session, revokedAt: at, revokedReason: reason });
    this.#sessions.set(sessionId, revoked);
    return revoked;
  }

  async close(): Promise<void> {}

  #find(userId: string, sessionId: string): SessionRecord | undefined {
    const session = this.#sessions.get(sessionId);
    if (session === undefined || session.userId !== userId) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#forget(session);
      return undefined;
    }
    return session;
  }

  #forget(session: SessionRecord): void {
    this.#sessions.delete(session.id);
    const ids = this.#byUser.get(session.userId);
    ids?.delete(session.id);
    if (ids?.size === 0) this.#byUser.delete(session.userId);
  }

  #sweepIfDue(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const session of this.#sessions.values()) if (session.expiresAt <= now) this.#forget(session);
  }
}

function freeze(record: SessionRecord): SessionRecord {
  return Object.freeze({ ...record, ...(record.amr === undefined ? {} : { amr: Object.freeze([...record.amr]) }) });
}
