import { type RevocationEntry, type RevocationStore, revocationMember } from './revocation-store.js';

const SWEEP_EVERY_MS = 60_000;

/** The deny-list in process memory: a map of `s:<sid>` / `t:<jti>` to when the entry may go. */
export class MemoryRevocationStore implements RevocationStore {
  readonly #entries = new Map<string, number>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async revoke(entry: RevocationEntry): Promise<void> {
    this.#sweepIfDue();
    const member = revocationMember(entry.kind, entry.id);
    // Never shorten an entry: a second revocation of the same id keeps the later expiry.
    this.#entries.set(member, Math.max(entry.expiresAt, this.#entries.get(member) ?? 0));
  }

  isRevoked(sessionId: string, tokenId: string): boolean {
    return this.#denied(revocationMember('session', sessionId)) || this.#denied(revocationMember('token', tokenId));
  }

  async close(): Promise<void> {}

  #denied(member: string): boolean {
    const expiresAt = this.#entries.get(member);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.#now()) return true;
    this.#entries.delete(member);
    return false;
  }

  #sweepIfDue(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [member, expiresAt] of this.#entries) if (expiresAt <= now) this.#entries.delete(member);
  }
}
