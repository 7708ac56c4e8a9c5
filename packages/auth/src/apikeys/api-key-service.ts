import { CoreErrors, type Principal } from '@koaforge/core';
import type { AuditEvent, AuditRecorder } from '../audit/audit-event.js';
import { noAudit } from '../audit/audit-event.js';
import { AuthErrors } from '../errors.js';
import type { Authorizer } from '../rbac/authorizer.js';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.js';
import { type CreateApiKeyInput, validateCreateInput } from './create-input.js';
import { type ApiKeyEnvironment, generateApiKey } from './key-format.js';
import { encodeHash, type SecretHasher, sha256SecretHasher } from './key-hash.js';

export interface ApiKeyServiceOptions {
  store: ApiKeyStore;
  /** Decides which scopes a caller may put on a key (only what it may do itself). */
  authorizer: Authorizer;
  audit?: AuditRecorder;
  /** The environment in new keys' prefix. Default `live`. */
  environment?: ApiKeyEnvironment;
  /** Unexpired keys one owner may hold in a tenant. Default 100. */
  maxKeysPerOwner?: number;
  /** Scopes per key. Default 50. */
  maxScopes?: number;
  /** The longest lifetime a new key may have, in seconds. Default: none (keys may never expire). */
  maxLifetimeSeconds?: number;
  hasher?: SecretHasher;
  now?: () => number;
}

/** What `create` answers: the only time the key itself is ever shown. */
export interface CreatedApiKey {
  readonly id: string;
  readonly key: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
}

/** A key as lists show it: never its secret or hash. */
export interface ApiKeySummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly lastUsedAt?: string;
  readonly expiresAt?: string;
}

interface Owner {
  readonly ownerId: string;
  readonly tenantId: string | undefined;
}

function summary(r: ApiKeyRecord): ApiKeySummary {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: [...r.scopes],
    createdAt: r.createdAt,
    ...(r.lastUsedAt === undefined ? {} : { lastUsedAt: r.lastUsedAt }),
    ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
  };
}

function actorType(p: Principal): AuditEvent['actorType'] {
  return p.type === 'apiKey' ? 'apiKey' : p.type === 'user' ? 'user' : undefined;
}

/**
 * Creates, lists, revokes and expires API keys on behalf of an authenticated caller. The owner
 * and tenant always come from the caller (a user, or a key acting for its owner), never from
 * input. A caller can only give a key scopes it may use itself; a key making a key is limited to
 * its own scopes and lifetime (`AUTH_SCOPE_ESCALATION`).
 *
 * @example
 * router.post('/api-keys', async (ctx) => {
 *   ctx.status = 201;
 *   ctx.body = await apiKeys.create(principalOf(ctx)!, ctx.request.body);
 * });
 */
export class ApiKeyService {
  readonly #store: ApiKeyStore;
  readonly #authorizer: Authorizer;
  readonly #audit: AuditRecorder;
  readonly #environment: ApiKeyEnvironment;
  readonly #maxKeys: number;
  readonly #maxScopes: number;
  readonly #maxLifetimeMs: number | undefined;
  readonly #hasher: SecretHasher;
  readonly #now: () => number;

  constructor(options: ApiKeyServiceOptions) {
    this.#store = options.store;
    this.#authorizer = options.authorizer;
    this.#audit = options.audit ?? noAudit;
    this.#environment = options.environment ?? 'live';
    this.#maxKeys = options.maxKeysPerOwner ?? 100;
    this.#maxScopes = options.maxScopes ?? 50;
    this.#maxLifetimeMs = options.maxLifetimeSeconds === undefined ? undefined : options.maxLifetimeSeconds * 1000;
    this.#hasher = options.hasher ?? sha256SecretHasher;
    this.#now = options.now ?? Date.now;
  }

  /** Make a key for the caller's owner. `input` ({@link CreateApiKeyInput}, usually a request body) is checked here. */
  async create(caller: Principal, input: unknown): Promise<CreatedApiKey> {
    const owner = this.#owner(caller);
    const now = this.#now();
    const wanted = validateCreateInput(input, { now, maxScopes: this.#maxScopes, maxLifetimeMs: this.#maxLifetimeMs });

    const graph = await this.#authorizer.graphFor(caller.tenantId);
    const beyond = wanted.scopes.filter((s) => !graph.mayDelegate(caller, s));
    let expiresAt = wanted.expiresAt;
    if (caller.type === 'apiKey') {
      // A key cannot outlive the key that made it: by default the new one ends with it.
      const parent = await this.#store.get(caller.id);
      if (parent === undefined) throw AuthErrors.AUTH_API_KEY_INVALID();
      if (parent.expiresAt !== undefined) {
        if (expiresAt === undefined) expiresAt = parent.expiresAt;
        else if (Date.parse(expiresAt) > Date.parse(parent.expiresAt)) beyond.push('lifetime');
      }
    }
    if (beyond.length > 0) {
      this.#record(caller, 'apikey.created', 'failure', undefined, 'scope-escalation', { refused: beyond.join(' ') });
      throw AuthErrors.AUTH_SCOPE_ESCALATION();
    }

    const active = (await this.#store.listByOwner(owner.ownerId, owner.tenantId)).filter(
      (r) => r.expiresAt === undefined || Date.parse(r.expiresAt) > now,
    );
    if (active.length >= this.#maxKeys) {
      throw CoreErrors.VALIDATION_FAILED(`An owner may hold at most ${this.#maxKeys} API keys`, {
        details: { field: 'keys', limit: this.#maxKeys },
      });
    }

    const generated = generateApiKey(this.#environment);
    const createdAt = new Date(now).toISOString();
    const record: ApiKeyRecord = {
      id: generated.id,
      name: wanted.name,
      prefix: generated.prefix,
      secretHash: encodeHash(this.#hasher.hash(generated.id, generated.secret)),
      ownerId: owner.ownerId,
      ...(owner.tenantId === undefined ? {} : { tenantId: owner.tenantId }),
      scopes: wanted.scopes,
      roles: [...(caller.roles ?? [])],
      createdAt,
      createdBy: caller.id,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    await this.#store.insert(record);
    this.#record(caller, 'apikey.created', 'success', record.id, undefined, { scopes: record.scopes.join(' ') });
    return {
      id: record.id,
      key: generated.key,
      prefix: record.prefix,
      scopes: [...record.scopes],
      name: record.name,
      createdAt,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
  }

  /** The caller's owner's keys in the caller's tenant, oldest first, without secrets. */
  async list(caller: Principal): Promise<ApiKeySummary[]> {
    const owner = this.#owner(caller);
    return (await this.#store.listByOwner(owner.ownerId, owner.tenantId)).map(summary);
  }

  /** Delete a key now (every process stops accepting it). Another owner's key is `AUTH_API_KEY_NOT_FOUND`. */
  async revoke(caller: Principal, id: string): Promise<void> {
    await this.#owned(caller, id);
    await this.#store.delete(id);
    this.#record(caller, 'apikey.revoked', 'success', id, 'revoked');
  }

  /**
   * Make a key expire at `at` (default now), e.g. the old key of a rotation in a day's time. Only
   * shortens: a later time than the current expiry leaves it as it is.
   */
  async expire(caller: Principal, id: string, at?: Date | string): Promise<ApiKeySummary> {
    const record = await this.#owned(caller, id);
    const now = this.#now();
    const wantedMs = at === undefined ? now : new Date(at).getTime();
    if (!Number.isFinite(wantedMs)) {
      throw CoreErrors.VALIDATION_FAILED('expiresAt must be a date', { details: { field: 'expiresAt' } });
    }
    const current = record.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(record.expiresAt);
    const ms = Math.min(Math.max(wantedMs, now), current);
    const expiresAt = new Date(ms).toISOString();
    if (ms !== current && !(await this.#store.setExpiresAt(id, expiresAt))) throw AuthErrors.AUTH_API_KEY_NOT_FOUND();
    this.#record(caller, 'apikey.revoked', 'success', id, 'expiry-set', { expiresAt });
    return summary({ ...record, expiresAt });
  }

  #owner(caller: Principal): Owner {
    if (caller.type === 'user') return { ownerId: caller.id, tenantId: caller.tenantId };
    const ownerId = caller.claims?.ownerId;
    if (caller.type === 'apiKey' && typeof ownerId === 'string') return { ownerId, tenantId: caller.tenantId };
    throw AuthErrors.AUTH_FORBIDDEN('Only users and their API keys have API keys');
  }

  async #owned(caller: Principal, id: string): Promise<ApiKeyRecord> {
    const owner = this.#owner(caller);
    const record = typeof id === 'string' && id.length <= 64 ? await this.#store.get(id) : undefined;
    if (record === undefined || record.ownerId !== owner.ownerId || record.tenantId !== owner.tenantId) {
      throw AuthErrors.AUTH_API_KEY_NOT_FOUND();
    }
    return record;
  }

  #record(
    caller: Principal,
    type: 'apikey.created' | 'apikey.revoked',
    outcome: 'success' | 'failure',
    subjectId: string | undefined,
    reason: string | undefined,
    data?: Record<string, string>,
  ): void {
    this.#audit.record({
      type,
      outcome,
      actorId: caller.id,
      actorType: actorType(caller),
      ...(subjectId === undefined ? {} : { subjectId }),
      ...(caller.tenantId === undefined ? {} : { tenantId: caller.tenantId }),
      ...(reason === undefined ? {} : { reason }),
      ...(data === undefined ? {} : { data }),
    });
  }
}
