import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.js';

export interface MemoryApiKeyStoreOptions {
  /** How long an expired record is kept (so lists can still show it) before it is dropped. Default 30 days. */
  retentionMs?: number;
  now?: () => number;
}

const ownerKey = (ownerId: string, tenantId: string | undefined) => `${tenantId ?? ''}\u0000${ownerId}`;

/**
 * Records are kept frozen and handed out as they are: no copy per lookup, so a verification costs
 * the same whether or not the id exists, and callers cannot change what is stored.
 */
function frozen(record: ApiKeyRecord): ApiKeyRecord {
  return Object.freeze({
    ...record,
    scopes: Object.freeze([...record.scopes]),
    roles: Object.freeze([...record.roles]),
  });
}

/** API key records in this process (development, tests, single-process apps). */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly #records = new Map<string, ApiKeyRecord>();
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #retentionMs: number;
  readonly #now: () => number;

  constructor(options: MemoryApiKeyStoreOptions = {}) {
    this.#retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
    this.#now = options.now ?? Date.now;
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    if (this.#records.has(record.id)) throw new Error(`API key id ${record.id} is taken`);
    this.#records.set(record.id, frozen(record));
    const k = ownerKey(record.ownerId, record.tenantId);
    let ids = this.#byOwner.get(k);
    if (ids === undefined) {
      ids = new Set();
      this.#byOwner.set(k, ids);
    }
    ids.add(record.id);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#live(id);
  }

  async listByOwner(ownerId: string, tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    const ids = this.#byOwner.get(ownerKey(ownerId, tenantId)) ?? new Set<string>();
    const out: ApiKeyRecord[] = [];
    for (const id of ids) {
      const record = this.#live(id);
      if (record !== undefined) out.push(record);
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async delete(id: string): Promise<boolean> {
    const record = this.#records.get(id);
    if (record === undefined) return false;
    this.#records.delete(id);
    const k = ownerKey(record.ownerId, record.tenantId);
    const ids = this.#byOwner.get(k);
    ids?.delete(id);
    if (ids?.size === 0) this.#byOwner.delete(k);
    return true;
  }

  async touch(id: string, at: string): Promise<void> {
    const record = this.#live(id);
    if (record !== undefined) this.#records.set(id, frozen({ ...record, lastUsedAt: at }));
  }

  async setExpiresAt(id: string, expiresAt: string): Promise<boolean> {
    const record = this.#live(id);
    if (record === undefined) return false;
    this.#records.set(id, frozen({ ...record, expiresAt }));
    return true;
  }

  /** The record unless it expired longer ago than the retention (then it is dropped). */
  #live(id: string): ApiKeyRecord | undefined {
    const record = this.#records.get(id);
    if (record?.expiresAt !== undefined && Date.parse(record.expiresAt) + this.#retentionMs <= this.#now()) {
      void this.delete(id);
      return undefined;
    }
    return record;
  }
}
