import { Container, CoreErrors, createToken, currentContext, type TenantRef, type Token } from '@koaforge/core';
import { TenantErrors } from '../errors.js';
import type { TenantRecord } from '../types.js';
import { defaultDisposer, runDisposers, throwCollected } from './disposal.js';

/** What a per-tenant factory is told about its tenant: the record when a lookup is configured, else the ref. */
export type TenantLike = TenantRecord | TenantRef;

/** How to make (and unmake) one service for one tenant. */
export interface TenantServiceDefinition<T> {
  /** Make the tenant's instance. Called at most once per tenant at a time; a failure is not cached. */
  factory: (tenant: TenantLike, container: Container) => T | Promise<T>;
  /** Release it. Default: `Symbol.asyncDispose`, `Symbol.dispose`, `dispose()`, `close()` or `destroy()` when it has one. */
  dispose?: (value: T) => unknown;
}

export interface TenantServicesOptions {
  /** Handed to factories, for the app's shared services. Default: an empty container of its own. */
  container?: Container;
  /**
   * Look tenants up (the registry's `get`): factories then get the full `TenantRecord` (settings,
   * quotas, meta), and an unknown id is 404 `TENANT_NOT_FOUND`. Without it factories get the
   * request's `TenantRef` (or `{ id }` for another tenant).
   */
  records?: (id: string) => Promise<TenantRecord | undefined>;
  /**
   * Keep services for at most this many tenants; using one more disposes the services of the
   * least recently used tenant (in the background). Bounds connection pools per process. Default: no bound.
   */
  maxTenants?: number;
  /** Told about failures of background disposals (LRU eviction), which have no caller to throw to. */
  onDisposeError?: (err: unknown, tenantId: string) => void;
}

/** The app's per-tenant services (registered by the tenant plugin). */
export const TenantServicesToken = createToken<TenantServices>('TenantServices');

interface TenantEntry {
  readonly tenantId: string;
  readonly values: Map<symbol, unknown>;
  readonly pending: Map<symbol, Promise<unknown>>;
  /** Disposers in creation order. */
  readonly disposers: Array<() => unknown>;
  closed: boolean;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Services with one instance per tenant (a connection pool or an API client per tenant), made on
 * first use, disposed when the tenant is evicted (removed, or least recently used past
 * `maxTenants`) and when the app stops.
 *
 * @example
 * const DbPool = createToken<Pool>('DbPool');
 * const services = new TenantServices({ records: (id) => registry.get(id), maxTenants: 50 });
 * services.define(DbPool, {
 *   factory: (tenant) => new Pool({ connectionString: (tenant as TenantRecord).meta?.dbUrl as string }),
 *   dispose: (pool) => pool.end(),
 * });
 * const pool = await services.get(DbPool); // the current request's tenant
 */
export class TenantServices {
  readonly #definitions = new Map<symbol, { token: Token<unknown>; def: TenantServiceDefinition<unknown> }>();
  readonly #tenants = new Map<string, TenantEntry>();
  readonly #records: TenantServicesOptions['records'];
  readonly #maxTenants: number;
  readonly #onDisposeError: TenantServicesOptions['onDisposeError'];
  #container: Container | undefined;
  #disposed = false;

  constructor(options: TenantServicesOptions = {}) {
    this.#container = options.container;
    this.#records = options.records;
    this.#maxTenants = options.maxTenants ?? Number.POSITIVE_INFINITY;
    if (!(this.#maxTenants >= 1)) throw new TypeError(`maxTenants must be at least 1; got ${options.maxTenants}`);
    this.#onDisposeError = options.onDisposeError;
  }

  /** Define a per-tenant service under a token. Each token is defined once. */
  define<T>(token: Token<T>, definition: TenantServiceDefinition<T>): this {
    this.#assertLive();
    if (this.#definitions.has(token.key))
      throw new TypeError(`${String(token)} is already defined as a tenant service`);
    this.#definitions.set(token.key, { token, def: definition as TenantServiceDefinition<unknown> });
    return this;
  }

  /** Whether a token is defined here. */
  defines(token: Token<unknown>): boolean {
    return this.#definitions.has(token.key);
  }

  /**
   * The tenant's instance (the current request's tenant when `tenantId` is omitted), made on first
   * use. Concurrent first calls share one creation; a failed creation is retried by the next call.
   */
  get<T>(token: Token<T>, tenantId?: string): Promise<T> {
    try {
      const { entry, def } = this.#lookup(token, tenantId);
      const key = token.key;
      if (entry.values.has(key)) return Promise.resolve(entry.values.get(key) as T);
      const pending = entry.pending.get(key);
      if (pending !== undefined) return pending as Promise<T>;
      const created = this.#createAsync(entry, key, def);
      entry.pending.set(key, created);
      return created as Promise<T>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The tenant's instance, synchronously: works once it exists, or when its factory is synchronous
   * and no `records` lookup is configured. Otherwise throws `KERNEL_STATE` (use `get`).
   */
  getSync<T>(token: Token<T>, tenantId?: string): T {
    const { entry, def } = this.#lookup(token, tenantId);
    const key = token.key;
    if (entry.values.has(key)) return entry.values.get(key) as T;
    if (this.#records !== undefined || entry.pending.has(key)) {
      throw CoreErrors.KERNEL_STATE(`${String(token)} is not made yet for this tenant; use await services.get()`);
    }
    const value = def.factory(this.#refFor(entry.tenantId), this.#sharedContainer());
    if (isThenable(value)) {
      // Keep the creation for the next get(): an async factory is still made once.
      const created = Promise.resolve(value).then(
        (v) => this.#store(entry, key, def, v),
        (err: unknown) => {
          entry.pending.delete(key);
          throw err;
        },
      );
      created.catch(() => undefined);
      entry.pending.set(key, created);
      throw CoreErrors.KERNEL_STATE(`${String(token)} has an async factory; use await services.get()`);
    }
    return this.#store(entry, key, def, value) as T;
  }

  /** Whether the tenant's instance of `token` exists (made and not evicted). */
  has(token: Token<unknown>, tenantId: string): boolean {
    return this.#tenants.get(tenantId)?.values.has(token.key) ?? false;
  }

  /** Ids of the tenants that have services right now, least recently used first. */
  get tenantIds(): string[] {
    return [...this.#tenants.keys()];
  }

  /**
   * Dispose every service of one tenant, in reverse order of creation (call it when a tenant is
   * removed or its settings change). Waits for creations in flight and disposes them too. Every
   * disposer runs; failures are thrown together at the end.
   */
  async evict(tenantId: string): Promise<void> {
    const entry = this.#tenants.get(tenantId);
    if (entry === undefined) return;
    this.#tenants.delete(tenantId);
    const errors: unknown[] = [];
    await this.#close(entry, errors);
    throwCollected(errors, `tenant ${tenantId}`);
  }

  /** Dispose every tenant's services (at app stop), then refuse further use. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const entries = [...this.#tenants.values()].reverse();
    this.#tenants.clear();
    const errors: unknown[] = [];
    for (const entry of entries) await this.#close(entry, errors);
    throwCollected(errors, 'tenant services');
  }

  #lookup(token: Token<unknown>, tenantId: string | undefined) {
    this.#assertLive();
    const found = this.#definitions.get(token.key);
    if (found === undefined) {
      throw CoreErrors.DI_NOT_REGISTERED(`No tenant service is defined for ${String(token)}`);
    }
    const id = tenantId ?? currentContext()?.tenant?.id;
    if (id === undefined) throw TenantErrors.TENANT_REQUIRED();
    return { entry: this.#entry(id), def: found.def };
  }

  #entry(tenantId: string): TenantEntry {
    let entry = this.#tenants.get(tenantId);
    if (entry !== undefined) {
      if (this.#maxTenants !== Number.POSITIVE_INFINITY) {
        // Most recently used last: Map keeps insertion order.
        this.#tenants.delete(tenantId);
        this.#tenants.set(tenantId, entry);
      }
      return entry;
    }
    entry = { tenantId, values: new Map(), pending: new Map(), disposers: [], closed: false };
    this.#tenants.set(tenantId, entry);
    while (this.#tenants.size > this.#maxTenants) {
      const oldest = this.#tenants.keys().next().value as string;
      this.evict(oldest).catch((err: unknown) => this.#onDisposeError?.(err, oldest));
    }
    return entry;
  }

  async #createAsync(entry: TenantEntry, key: symbol, def: TenantServiceDefinition<unknown>): Promise<unknown> {
    try {
      const tenant = await this.#tenantFor(entry.tenantId);
      const value = await def.factory(tenant, this.#sharedContainer());
      return this.#store(entry, key, def, value);
    } finally {
      entry.pending.delete(key);
    }
  }

  #store(entry: TenantEntry, key: symbol, def: TenantServiceDefinition<unknown>, value: unknown): unknown {
    entry.values.set(key, value);
    entry.pending.delete(key);
    const custom = def.dispose;
    const disposer = custom !== undefined ? () => custom(value) : defaultDisposer(value);
    if (disposer !== undefined) entry.disposers.push(disposer);
    return value;
  }

  async #close(entry: TenantEntry, errors: unknown[]): Promise<void> {
    entry.closed = true;
    // Creations in flight finish first, so what they make is disposed too (not leaked).
    while (entry.pending.size > 0) await Promise.allSettled([...entry.pending.values()]);
    const disposers = entry.disposers.splice(0).reverse();
    entry.values.clear();
    await runDisposers(disposers, errors);
  }

  async #tenantFor(tenantId: string): Promise<TenantLike> {
    if (this.#records === undefined) return this.#refFor(tenantId);
    const record = await this.#records(tenantId);
    if (record === undefined) throw TenantErrors.TENANT_NOT_FOUND();
    return record;
  }

  #refFor(tenantId: string): TenantRef {
    const current = currentContext()?.tenant;
    return current !== undefined && current.id === tenantId ? current : Object.freeze({ id: tenantId });
  }

  #sharedContainer(): Container {
    this.#container ??= Container.create();
    return this.#container;
  }

  #assertLive(): void {
    if (this.#disposed) throw CoreErrors.KERNEL_STATE('The tenant services have been disposed');
  }
}
