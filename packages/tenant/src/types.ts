/**
 * The shapes every part of `@koaforge/tenant` shares: what the registry knows about a tenant, and
 * the registry interface apps implement over their own database.
 */

/** What a tenant registry knows about a tenant. */
export interface TenantRecord {
  /** Stable id, also the value of `TenantRef.id` and the principal's `tenantId`. */
  readonly id: string;
  readonly name?: string;
  /** Suspended tenants answer like unknown ones (404 `TENANT_NOT_FOUND`) unless configured otherwise. */
  readonly status?: 'active' | 'suspended';
  /** Custom domains that point at this tenant (`app.acme.com`), lower-case, no port. */
  readonly domains?: readonly string[];
  /** Per-tenant config overrides, keyed like the app config (`{ uploads: { maxBytes: 1e9 } }`). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Per-tenant quota limits by quota name (`{ requests: 10000, storageBytes: 5e9, seats: 25 }`). */
  readonly quotas?: Readonly<Record<string, number>>;
  /** Anything else the app keeps on a tenant (plan, region...). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/**
 * Where tenants come from. Implementations: `StaticTenantRegistry` (config), `MemoryTenantRegistry`,
 * `CachedTenantRegistry` (an app loader behind a local cache, optionally Redis, invalidated across
 * instances through core's event bus).
 */
export interface TenantRegistry {
  /** The tenant with this id, or `undefined` when there is none. */
  get(id: string): Promise<TenantRecord | undefined>;
  /** The tenant that owns this custom domain (lower-case host without port), if any. */
  byDomain?(host: string): Promise<TenantRecord | undefined>;
  /**
   * Synchronous answer when the registry already holds it: the record, `null` for a known miss,
   * `undefined` when it does not know without I/O. Lets the resolver decide most requests without
   * a promise.
   */
  peek?(id: string): TenantRecord | null | undefined;
  /** Like `peek`, for `byDomain`: the record, `null` for a known miss, `undefined` without I/O. */
  peekDomain?(host: string): TenantRecord | null | undefined;
  /**
   * Be told when a tenant changes or goes away (in this process or, with an event bus, another
   * one), e.g. to dispose per-tenant pools. Returns a function that removes the listener.
   */
  onChange?(listener: TenantChangeListener): () => void;
  /** Release timers, subscriptions and caches. */
  close?(): void | Promise<void>;
}

/** What happened to a tenant: its record changed (including suspension), or it was removed. */
export interface TenantChange {
  readonly id: string;
  readonly change: 'updated' | 'removed';
}

export type TenantChangeListener = (change: TenantChange) => void;

/** The `TenantRef` the resolver puts in core's request context and on `ctx.state.tenant`. */
export interface ResolvedTenant {
  readonly id: string;
  readonly name?: string;
  /** The resolver that decided: `principal`, `header`, `subdomain`, `domain`, `path` or a custom name. */
  readonly source: string;
  /**
   * True when an authenticated source (the principal) decided; false when only hints named the
   * tenant (an anonymous request, accepted by the anonymous rule). `requireTenant({ verified: true })`
   * refuses the latter.
   */
  readonly verified: boolean;
  readonly [key: string]: unknown;
}
