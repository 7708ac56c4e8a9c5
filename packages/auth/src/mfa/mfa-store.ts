/** A user's TOTP factor, pending (enrolled, not yet confirmed) or enabled. */
export interface MfaRecord {
  readonly userId: string;
  /** The TOTP secret sealed by `KeyRing` (`v1:<iv>:<tag>:<ciphertext>`), never the plain secret. */
  readonly secret: string;
  readonly enabled: boolean;
  /** Ms since the epoch. */
  readonly createdAt: number;
  readonly enabledAt?: number;
  /** The TOTP time step of the last accepted code: codes of this step or earlier are replays. */
  readonly lastTimeStep?: number;
  /** SHA-256 hashes of the unused recovery codes. */
  readonly recoveryCodes: readonly string[];
}

/** A half-authenticated sign-in waiting for its second factor. */
export interface MfaChallengeRecord {
  readonly userId: string;
  /** Ms since the epoch. */
  readonly expiresAt: number;
  /** Wrong codes already tried with this challenge. */
  readonly attempts: number;
  /** How the first factor was proved (`pwd`, `oauth`), for the session's `amr`. Default `pwd`. */
  readonly firstFactor?: string;
}

/** Failed second-factor attempts of a user. */
export interface MfaFailureState {
  readonly failures: number;
  /** Ms until the count is forgotten (the lock ends); 0 when there are none. */
  readonly resetInMs: number;
}

export interface MfaFailurePolicy {
  /** Failures are forgotten this long after the first one. */
  windowMs: number;
  /** The failure that reaches this count locks… */
  max: number;
  /** …for this long. */
  lockMs: number;
}

/**
 * Storage of TOTP factors, their replay and failure counters, and login challenges. Every method
 * that decides something under concurrency is atomic in the store: `useTimeStep`,
 * `useRecoveryCode`, `recordFailure`, `takeChallenge`.
 */
export interface MfaStore {
  get(userId: string): Promise<MfaRecord | undefined>;
  /** Create or replace the user's record (recovery codes included). `ttlMs`: forget it then (pending enrollments). */
  put(record: MfaRecord, ttlMs?: number): Promise<void>;
  /** Remove the record, its recovery codes and failure count. */
  delete(userId: string): Promise<void>;
  /** Raise `lastTimeStep` to `step` if it is higher; false when it is not (a replay) or there is no record. */
  useTimeStep(userId: string, step: number): Promise<boolean>;
  /** Remove one recovery-code hash; true when it was there (first use). */
  useRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** Replace the recovery-code hashes (regeneration), leaving the rest of the record alone. */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void>;
  /** Count one failure; the state after it. */
  recordFailure(userId: string, policy: MfaFailurePolicy): Promise<MfaFailureState>;
  failures(userId: string): Promise<MfaFailureState>;
  clearFailures(userId: string): Promise<void>;
  putChallenge(challengeHash: string, record: MfaChallengeRecord, ttlMs: number): Promise<void>;
  /** Remove and return the challenge, atomically: of concurrent takes, one gets it. */
  takeChallenge(challengeHash: string): Promise<MfaChallengeRecord | undefined>;
}
