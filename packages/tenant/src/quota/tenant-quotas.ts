import { createToken, currentContext, type KoaforgeError, type MetricsRegistry } from '@koaforge/core';
import { TenantErrors } from '../errors.js';
import { type TenantKeyOptions, type TenantKeys, tenantKeys } from '../keys/tenant-keys.js';
import type { TenantRecord } from '../types.js';
import type { QuotaDecision, QuotaKind, QuotaUsage } from './decision.js';
import { type QuotaMetrics, quotaMetrics } from './metrics.js';
import { assertPeriod, periodSeconds, type QuotaPeriod, windowAt } from './period.js';
import { quotaExceededError } from './quota-error.js';
import { assertAmount, type QuotaStore } from './store.js';
import { MemoryQuotaStore } from './stores/memory.js';

/**
 * A quota: `period` counts uses per fixed window (requests per day, exports per month) and starts
 * again each window; `gauge` holds a level that goes up and down (storage bytes, seats) until
 * released. `default` is the limit of tenants whose record has none for it.
 */
export type QuotaDefinition =
  | { kind: 'period'; period: QuotaPeriod; default?: number }
  | { kind: 'gauge'; default?: number };

/** Plan defaults: a limit per quota name, or a function of the tenant record (e.g. by `meta.plan`). */
export type QuotaDefaults =
  | Readonly<Record<string, number>>
  | ((record: TenantRecord | undefined, quota: string) => number | undefined);

export interface TenantQuotasOptions {
  /** The quotas, by name (letters, digits, `.`, `_`, `-`: names go into keys, metrics and headers). */
  quotas: Readonly<Record<string, QuotaDefinition>>;
  /** Where counts live. Default: a new `MemoryQuotaStore` (this process only). */
  store?: QuotaStore;
  /** Look a tenant up (the registry's `get`) to read its record's `quotas`. Without it only defaults apply. */
  records?: (id: string) => Promise<TenantRecord | undefined>;
  /** Limits for tenants whose record names none (plans), before each quota's own `default`. */
  defaults?: QuotaDefaults;
  /** Registry for `tenant_quota_rejections_total`. None: no metrics. */
  metrics?: MetricsRegistry;
  /** Add a `tenant` label to the rejection metric (one series per tenant and quota). Default false. */
  metricsTenantLabel?: boolean;
  /** Options of the keys counters are stored under (`t:<tenant>:quota:<name>[:<window>]`). */
  keys?: TenantKeyOptions;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
}

/** The quota set of the app (registered by the tenant plugin), for `tenantQuota()` and handlers. */
export const TenantQuotasToken = createToken<TenantQuotas>('TenantQuotas');

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Per-tenant quotas over a store: limits from the tenant record's `quotas` by name, else plan
 * defaults, else the quota's `default`, else unlimited. Reservations are atomic in the store, so
 * racing requests never take more than the limit.
 *
 * @example
 * const quotas = new TenantQuotas({
 *   quotas: {
 *     requests: { kind: 'period', period: 'day', default: 10_000 },
 *     storageBytes: { kind: 'gauge', default: 1e9 },
 *     seats: { kind: 'gauge', default: 5 },
 *   },
 *   records: (id) => registry.get(id),
 *   store: new RedisQuotaStore({ connection }),
 * });
 * await quotas.enforce('storageBytes', file.size);   // 429 TENANT_QUOTA_EXCEEDED when it does not fit
 * await quotas.release('storageBytes', file.size);   // after deleting the file
 */
export class TenantQuotas {
  readonly store: QuotaStore;
  readonly #quotas: ReadonlyMap<string, QuotaDefinition>;
  readonly #records: TenantQuotasOptions['records'];
  readonly #defaults: QuotaDefaults | undefined;
  readonly #metrics: QuotaMetrics;
  readonly #keys: TenantKeyOptions;
  readonly #now: () => number;
  /** Key builders per tenant, made once: counting a request should not rebuild them. */
  readonly #keyCache = new Map<string, TenantKeys>();

  constructor(options: TenantQuotasOptions) {
    const quotas = new Map<string, QuotaDefinition>();
    for (const [name, def] of Object.entries(options.quotas)) {
      if (!NAME_RE.test(name)) {
        throw new TypeError(`Invalid quota name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-'`);
      }
      if (def.kind === 'period') assertPeriod(def.period);
      else if (def.kind !== 'gauge') throw new TypeError(`Quota ${name}: kind must be 'period' or 'gauge'`);
      if (def.default !== undefined && !(def.default >= 0)) {
        throw new TypeError(`Quota ${name}: default must be a number ≥ 0`);
      }
      quotas.set(name, def);
    }
    this.#quotas = quotas;
    this.store = options.store ?? new MemoryQuotaStore({ now: options.now });
    this.#records = options.records;
    this.#defaults = options.defaults;
    this.#metrics = quotaMetrics(options.metrics, [...quotas.keys()], options.metricsTenantLabel);
    this.#keys = options.keys ?? {};
    this.#now = options.now ?? Date.now;
  }

  /** Names of the quotas defined. */
  get names(): string[] {
    return [...this.#quotas.keys()];
  }

  /** The kind of a quota; throws for an unknown name. */
  kindOf(quota: string): QuotaKind {
    return this.#definition(quota).kind;
  }

  /** The tenant's limit for a quota (`Infinity`: unlimited). */
  async limitOf(quota: string, tenantId?: string): Promise<number> {
    const def = this.#definition(quota);
    return this.#limit(quota, def, tenantIdOrCurrent(tenantId));
  }

  /**
   * Reserve `amount` (default 1) of a quota for a tenant (the current request's when omitted):
   * admitted and counted when it fits, refused and not counted otherwise. Never throws for being
   * over the limit (see {@link TenantQuotas.enforce}); refusals are counted in the metric.
   */
  async reserve(quota: string, amount = 1, tenantId?: string): Promise<QuotaDecision> {
    const def = this.#definition(quota);
    assertAmount(amount);
    const id = tenantIdOrCurrent(tenantId);
    const limit = await this.#limit(quota, def, id);
    const storeLimit = Number.isFinite(limit) ? limit : -1;
    let decision: QuotaDecision;
    if (def.kind === 'period') {
      const now = this.#now();
      const window = windowAt(def.period, now);
      // Kept a minute past the window, so a process with a slightly slow clock still finds it.
      const count = await this.store.reserve(this.#key(id, quota, window.id), amount, storeLimit, window.end + 60_000);
      const resetSeconds = Math.max(1, Math.ceil((window.end - now) / 1000));
      decision = {
        admitted: count.admitted,
        quota,
        kind: 'period',
        tenantId: id,
        limit,
        used: count.used,
        remaining: Math.max(0, limit - count.used),
        requested: amount,
        windowSeconds: periodSeconds(def.period, now),
        resetSeconds,
        ...(count.admitted ? {} : { retryAfterSeconds: resetSeconds }),
      };
    } else {
      const count = await this.store.reserve(this.#key(id, quota), amount, storeLimit);
      decision = {
        admitted: count.admitted,
        quota,
        kind: 'gauge',
        tenantId: id,
        limit,
        used: count.used,
        remaining: Math.max(0, limit - count.used),
        requested: amount,
      };
    }
    if (!decision.admitted) this.#metrics.rejected(quota, id);
    return decision;
  }

  /**
   * Whether `amount` more would fit, without reserving it (a guard before reading an upload's
   * body; the handler reserves what it really stores). A "no" counts as a rejection in the metric.
   */
  async check(quota: string, amount = 1, tenantId?: string): Promise<QuotaDecision> {
    assertAmount(amount);
    const usage = await this.usage(quota, tenantId);
    const admitted = usage.used + amount <= usage.limit;
    if (!admitted) this.#metrics.rejected(quota, usage.tenantId);
    return {
      admitted,
      quota,
      kind: usage.kind,
      tenantId: usage.tenantId,
      limit: usage.limit,
      used: usage.used,
      remaining: usage.remaining,
      requested: amount,
      ...(usage.resetSeconds === undefined
        ? {}
        : {
            windowSeconds: periodSeconds((this.#definition(quota) as { period: QuotaPeriod }).period, this.#now()),
            resetSeconds: usage.resetSeconds,
            ...(admitted ? {} : { retryAfterSeconds: usage.resetSeconds }),
          }),
    };
  }

  /** Like {@link TenantQuotas.reserve}, but a refusal throws 429 `TENANT_QUOTA_EXCEEDED`. */
  async enforce(quota: string, amount = 1, tenantId?: string): Promise<QuotaDecision> {
    const decision = await this.reserve(quota, amount, tenantId);
    if (!decision.admitted) throw quotaExceededError(decision);
    return decision;
  }

  /** The 429 error for a refused decision (for callers of `reserve` that decide themselves). */
  exceeded(decision: QuotaDecision): KoaforgeError {
    return quotaExceededError(decision);
  }

  /** Give back `amount` of a gauge (a file deleted, a seat freed); answers the level after it. */
  async release(quota: string, amount: number, tenantId?: string): Promise<number> {
    this.#gauge(quota, 'release');
    return this.store.release(this.#key(tenantIdOrCurrent(tenantId), quota), amount);
  }

  /** Set a gauge's level (reconcile with what is really stored or assigned). */
  async set(quota: string, value: number, tenantId?: string): Promise<void> {
    this.#gauge(quota, 'set');
    await this.store.set(this.#key(tenantIdOrCurrent(tenantId), quota), value);
  }

  /** The quota's state for a tenant, without changing it. */
  async usage(quota: string, tenantId?: string): Promise<QuotaUsage> {
    const def = this.#definition(quota);
    const id = tenantIdOrCurrent(tenantId);
    const limit = await this.#limit(quota, def, id);
    if (def.kind === 'period') {
      const now = this.#now();
      const window = windowAt(def.period, now);
      const used = await this.store.usage(this.#key(id, quota, window.id));
      const resetSeconds = Math.max(1, Math.ceil((window.end - now) / 1000));
      return { quota, kind: 'period', tenantId: id, used, limit, remaining: Math.max(0, limit - used), resetSeconds };
    }
    const used = await this.store.usage(this.#key(id, quota));
    return { quota, kind: 'gauge', tenantId: id, used, limit, remaining: Math.max(0, limit - used) };
  }

  /** Forget a tenant's count of a quota (the current window's for a period quota). */
  async reset(quota: string, tenantId?: string): Promise<void> {
    const def = this.#definition(quota);
    const id = tenantIdOrCurrent(tenantId);
    const window = def.kind === 'period' ? windowAt(def.period, this.#now()).id : undefined;
    await this.store.reset(this.#key(id, quota, window));
  }

  #definition(quota: string): QuotaDefinition {
    const def = this.#quotas.get(quota);
    if (def === undefined)
      throw new TypeError(`Unknown quota ${JSON.stringify(quota)}; defined: ${this.names.join(', ')}`);
    return def;
  }

  #gauge(quota: string, op: string): void {
    if (this.#definition(quota).kind !== 'gauge') {
      throw new TypeError(`Quota ${quota} counts per period; ${op}() is for gauges`);
    }
  }

  async #limit(quota: string, def: QuotaDefinition, tenantId: string): Promise<number> {
    let record: TenantRecord | undefined;
    if (this.#records !== undefined) {
      record = await this.#records(tenantId);
      if (record === undefined) throw TenantErrors.TENANT_NOT_FOUND();
      const own = record.quotas?.[quota];
      if (typeof own === 'number' && own >= 0) return own;
    }
    const defaults = this.#defaults;
    const plan = typeof defaults === 'function' ? defaults(record, quota) : defaults?.[quota];
    if (typeof plan === 'number' && plan >= 0) return plan;
    return def.default ?? Number.POSITIVE_INFINITY;
  }

  #key(tenantId: string, quota: string, window?: string): string {
    let keys = this.#keyCache.get(tenantId);
    if (keys === undefined) {
      keys = tenantKeys(tenantId, this.#keys);
      if (this.#keyCache.size >= 10_000) this.#keyCache.clear();
      this.#keyCache.set(tenantId, keys);
    }
    return window === undefined ? keys.redis('quota', quota) : keys.redis('quota', quota, window);
  }
}

function tenantIdOrCurrent(tenantId: string | undefined): string {
  const id = tenantId ?? currentContext()?.tenant?.id;
  if (id === undefined) throw TenantErrors.TENANT_REQUIRED();
  return id;
}
