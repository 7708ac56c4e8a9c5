import type { RefreshTokenRecord, RefreshTokenStore, RotationOutcome } from './refresh-token-store.js';

const SWEEP_EVERY_MS = 60_000;

/**
 * Refresh tokens in process memory. `markRotated` is a synchronous check-and-swap: no await between
 * reading the record and writing it, so of any number of concurrent refreshes exactly one wins.
 */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens = new Map<string, RefreshTokenRecord>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async save(record: RefreshTokenRecord): Promise<void> {
    this.#sweepIfDue();
    this.#tokens.set(record.id, Object.freeze({ ...record }));
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    return this.#live(id);
  }

  async markRotated(id: string, replacedBy: string, at: number): Promise<RotationOutcome> {
    const record = this.#live(id);
    if (record === undefined) return 'missing';
    if (record.rotatedAt !== undefined) return 'already-rotated';
    this.#tokens.set(id, Object.freeze({ ...record, rotatedAt: at, replacedBy }));
    return 'rotated';
  }

  async delete(id: string): Promise<void> {
    this.#tokens.delete(id);
  }

  async close(): Promise<void> {}

  #live(id: string): RefreshTokenRecord | undefined {
    const record = this.#tokens.get(id);
    if (record !== undefined && record.expiresAt <= this.#now()) {
      this.#tokens.delete(id);
      return undefined;
    }
    return record;
  }

  #sweepIfDue(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [id, record] of this.#tokens) if (record.expiresAt <= now) this.#tokens.delete(id);
  }
}
