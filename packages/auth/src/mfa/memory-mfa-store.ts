import type { MfaChallengeRecord, MfaFailurePolicy, MfaFailureState, MfaRecord, MfaStore } from './mfa-store.js';

interface Expiring<T> {
  value: T;
  /** Ms since the epoch; `Infinity` for never. */
  dropAt: number;
}

const NO_FAILURES: MfaFailureState = Object.freeze({ failures: 0, resetInMs: 0 });

/**
 * One process's MFA state. Every method runs synchronously between its first read and its last
 * write, so the atomic operations need no locks.
 */
export class MemoryMfaStore implements MfaStore {
  readonly #records = new Map<string, Expiring<MfaRecord>>();
  readonly #failures = new Map<string, Expiring<number>>();
  readonly #challenges = new Map<string, Expiring<MfaChallengeRecord>>();
  readonly #now: () => number;
  #writes = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(userId: string): Promise<MfaRecord | undefined> {
    return this.#live(this.#records, userId);
  }

  async put(record: MfaRecord, ttlMs?: number): Promise<void> {
    this.#maybeSweep();
    const value = { ...record, recoveryCodes: [...record.recoveryCodes] };
    this.#records.set(record.userId, { value, dropAt: ttlMs === undefined ? Infinity : this.#now() + ttlMs });
  }

  async delete(userId: string): Promise<void> {
    this.#records.delete(userId);
    this.#failures.delete(userId);
  }

  async useTimeStep(userId: string, step: number): Promise<boolean> {
    const entry = this.#entry(this.#records, userId);
    if (entry === undefined) return false;
    const last = entry.value.lastTimeStep;
    if (last !== undefined && step <= last) return false;
    entry.value = { ...entry.value, lastTimeStep: step };
    return true;
  }

  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const entry = this.#entry(this.#records, userId);
    if (entry === undefined || !entry.value.recoveryCodes.includes(codeHash)) return false;
    entry.value = { ...entry.value, recoveryCodes: entry.value.recoveryCodes.filter((h) => h !== codeHash) };
    return true;
  }

  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    const entry = this.#entry(this.#records, userId);
    if (entry !== undefined) entry.value = { ...entry.value, recoveryCodes: [...codeHashes] };
  }

  async recordFailure(userId: string, policy: MfaFailurePolicy): Promise<MfaFailureState> {
    this.#maybeSweep();
    const now = this.#now();
    const entry = this.#entry(this.#failures, userId) ?? { value: 0, dropAt: now + policy.windowMs };
    entry.value += 1;
    if (entry.value === policy.max) entry.dropAt = now + policy.lockMs;
    this.#failures.set(userId, entry);
    return { failures: entry.value, resetInMs: entry.dropAt - now };
  }

  async failures(userId: string): Promise<MfaFailureState> {
    const entry = this.#entry(this.#failures, userId);
    return entry === undefined ? NO_FAILURES : { failures: entry.value, resetInMs: entry.dropAt - this.#now() };
  }

  async clearFailures(userId: string): Promise<void> {
    this.#failures.delete(userId);
  }

  async putChallenge(challengeHash: string, record: MfaChallengeRecord, ttlMs: number): Promise<void> {
    this.#maybeSweep();
    this.#challenges.set(challengeHash, { value: { ...record }, dropAt: this.#now() + ttlMs });
  }

  async takeChallenge(challengeHash: string): Promise<MfaChallengeRecord | undefined> {
    const value = this.#live(this.#challenges, challengeHash);
    this.#challenges.delete(challengeHash);
    return value;
  }

  #entry<T>(map: Map<string, Expiring<T>>, key: string): Expiring<T> | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.dropAt <= this.#now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  #live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    return this.#entry(map, key)?.value;
  }

  /** Every 64 writes, drop what expired: abandoned challenges and enrollments must not pile up. */
  #maybeSweep(): void {
    if (++this.#writes % 64 !== 0) return;
    const now = this.#now();
    for (const map of [this.#records, this.#failures, this.#challenges] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.dropAt <= now) map.delete(key);
    }
  }
}
