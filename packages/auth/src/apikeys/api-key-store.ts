/** What is stored for one API key. Never the key or its secret: `secretHash` only. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** `kf_live_<id>`: the public part, shown in lists. */
  readonly prefix: string;
  /** base64url SHA-256 (see `key-hash.ts`). */
  readonly secretHash: string;
  /** The user the key acts for. */
  readonly ownerId: string;
  /** The tenant the key is bound to; its principal always carries it. */
  readonly tenantId?: string;
  /** Permission patterns the key is limited to. */
  readonly scopes: readonly string[];
  /** The owner's roles when the key was made; used only when the verifier cannot read the owner's current ones. */
  readonly roles: readonly string[];
  /** ISO-8601. */
  readonly createdAt: string;
  /** Who made it: the owner's id, or the id of the key that made it. */
  readonly createdBy: string;
  readonly expiresAt?: string;
  readonly lastUsedAt?: string;
}

/**
 * Where API key records live: `MemoryApiKeyStore` (one process) or `RedisApiKeyStore` (shared).
 * Both pass `test/apikeys/store.contract.ts`. Expiry is data here: the verifier refuses expired
 * keys; stores may drop records some time after they expire.
 */
export interface ApiKeyStore {
  /** Store a new record; rejects when the id is taken. */
  insert(record: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** The owner's keys within a tenant (or without one), oldest first. */
  listByOwner(ownerId: string, tenantId: string | undefined): Promise<ApiKeyRecord[]>;
  /** Remove a record; true when it existed. */
  delete(id: string): Promise<boolean>;
  /** Record a use; a no-op when the record is gone (never recreates it). */
  touch(id: string, at: string): Promise<void>;
  /** Set `expiresAt`; false when the record is gone. */
  setExpiresAt(id: string, expiresAt: string): Promise<boolean>;
}
