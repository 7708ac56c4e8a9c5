import type { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { Registry } from 'prom-client';
import { createToken } from '../di/token.js';
import { CoreErrors } from '../errors.js';
import type { HealthCheck } from '../health/health-registry.js';
import type { Logger } from '../logging/index.js';
import { type BoundBreakerMetrics, BREAKER_STATE, BreakerMetrics } from './breaker-metrics.js';
import { isBreakerTask } from './breaker-task.js';
import { circuitOpenError } from './errors.js';

/** Options of one named breaker. Unset ones come from the registry's `defaults`, then opossum's. */
export interface BreakerOptions<TArgs extends unknown[] = unknown[], R = unknown> {
  /**
   * Time limit of one call through the breaker in ms; `false` for none. A timed-out call counts
   * as a failure and rejects with `TIMEOUT`. Default 10 000. For `resilientCall` this caps the whole
   * retried call, so keep it above the retry budget (or `false` and rely on the budget).
   */
  timeout?: number | false;
  /** Failure percentage of the rolling window above which the breaker opens. Default 50. */
  errorThresholdPercentage?: number;
  /** How long the breaker stays open before letting one trial call through (half-open), ms. Default 30 000. */
  resetTimeout?: number;
  /** Calls the rolling window must hold before the breaker may open at all. Default 0. */
  volumeThreshold?: number;
  /** Length of the rolling statistics window in ms. Default 10 000. */
  rollingCountTimeout?: number;
  /** Buckets in the rolling window (`rollingCountTimeout` must divide evenly). Default 10. */
  rollingCountBuckets?: number;
  /**
   * Whether an error is the dependency's failure. Non-failures (a 404, a validation error) still
   * reject the call but count as successes: the dependency answered. Default {@link defaultIsFailure}.
   */
  isFailure?(err: unknown): boolean;
  /**
   * Called instead of rejecting when a `fire()` fails, times out or is rejected while open, with the
   * error (`CIRCUIT_OPEN`, `TIMEOUT` or the dependency's) and the call's arguments. Not used by
   * `resilientCall`, which has its own `fallback`.
   */
  fallback?(err: unknown, ...args: TArgs): R | Promise<R>;
}

/** Numeric/boolean options compared when a second `get()` for a name passes different ones. */
const COMPARED = [
  'timeout',
  'errorThresholdPercentage',
  'resetTimeout',
  'volumeThreshold',
  'rollingCountTimeout',
  'rollingCountBuckets',
] as const;

/**
 * The default failure rule: a status in 400–499 means the dependency answered (the request was
 * wrong), so it does not count, except 408 and 429, which mean it is overloaded. Everything else
 * (5xx, timeouts, network errors, plain errors) counts.
 */
export function defaultIsFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return true;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number') return true;
  return !(status >= 400 && status < 500 && status !== 408 && status !== 429);
}

export type BreakerState = 'closed' | 'halfOpen' | 'open';

export function breakerState(breaker: CircuitBreaker): BreakerState {
  return breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed';
}

export interface BreakerSummary {
  open: string[];
  halfOpen: string[];
  closed: string[];
}

export interface BreakerRegistryOptions {
  /** prom-client registry for `circuit_breaker_*` metrics. None: no metrics. */
  metrics?: Registry;
  /** Logs state changes (warn on open, info on close) and option conflicts. */
  logger?: Logger;
  /** Defaults for every breaker of this registry. */
  defaults?: BreakerOptions;
  /**
   * Per-name options that win over the ones given in code, so operators can tune a breaker from
   * config (`resilience.breakers.payments.resetTimeout`) without a code change.
   */
  overrides?: Record<string, BreakerOptions>;
  /** Buckets of `circuit_breaker_duration_seconds`, in seconds. */
  durationBuckets?: readonly number[];
}

export interface BreakerHealthOptions {
  /** Health check name in `/readyz`. Default `circuit-breakers`. */
  name?: string;
  /**
   * Fail readiness (503) while any breaker is open. Default false: an open breaker is reported as
   * `degraded` with the breaker names, because the app itself can still answer (with fallbacks or
   * fast `CIRCUIT_OPEN` errors) and taking it out of rotation would only move load elsewhere.
   */
  failReadinessWhenOpen?: boolean;
}

interface Entry {
  breaker: CircuitBreaker;
  /** The breaker's own function; a later `get()` may supply it when the first had none. */
  fn: AnyFn | undefined;
  options: BreakerOptions;
  warned: boolean;
}

type AnyFn = (...args: never[]) => Promise<unknown>;

/** Breakers made by any `BreakerRegistry`: only their action knows how to run a `resilientCall` task. */
const registryBreakers = new WeakSet<CircuitBreaker>();

/** True for breakers made by a `BreakerRegistry` (the ones `resilientCall` accepts). */
export function isRegistryBreaker(breaker: CircuitBreaker): boolean {
  return registryBreakers.has(breaker);
}

/**
 * One shared opossum breaker per name. The first `get()` for a name decides its function and
 * options; later `get()`s return that same breaker and ignore theirs (a warning is logged once per
 * name when their numeric options differ), because two breakers guarding one dependency would each
 * see half the failures and open late. Set per-name options in one place, or through `overrides`.
 *
 * Registry breakers reject with `CIRCUIT_OPEN` (503, retryable) while open and `TIMEOUT` on their
 * own timeout, instead of opossum's plain errors, and export `circuit_breaker_state`,
 * `circuit_breaker_events_total` and `circuit_breaker_duration_seconds`.
 *
 * @example
 * const breakers = new BreakerRegistry({ metrics: registry, logger });
 * const charge = breakers.get('payments', (id: string) => payments.charge(id), { resetTimeout: 10_000 });
 * await charge.fire('order-1');
 */
export class BreakerRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #metrics: BreakerMetrics | undefined;
  readonly #logger: Logger | undefined;
  readonly #defaults: BreakerOptions;
  readonly #overrides: Record<string, BreakerOptions>;

  constructor(options: BreakerRegistryOptions = {}) {
    this.#metrics = options.metrics ? new BreakerMetrics(options.metrics, options.durationBuckets) : undefined;
    this.#logger = options.logger;
    this.#defaults = options.defaults ?? {};
    this.#overrides = options.overrides ?? {};
  }

  /**
   * The breaker named `name`, made on first call. Without `fn`, the breaker guards whatever
   * `resilientCall` runs through it, and `fire()` rejects until a later `get()` supplies one.
   */
  get<TArgs extends unknown[] = unknown[], R = unknown>(
    name: string,
    fn?: (...args: TArgs) => Promise<R>,
    options: BreakerOptions<TArgs, R> = {},
  ): CircuitBreaker<TArgs, R> {
    const entry = this.#entries.get(name);
    if (entry) {
      if (entry.fn === undefined && fn !== undefined) entry.fn = fn as unknown as AnyFn;
      if (!entry.warned && this.#logger && differs(entry.options, options as BreakerOptions)) {
        entry.warned = true;
        this.#logger.warn(
          { breaker: name, kept: pick(entry.options), ignored: pick(options as BreakerOptions) },
          'circuit breaker requested again with different options; the first options are kept',
        );
      }
      return entry.breaker as unknown as CircuitBreaker<TArgs, R>;
    }
    const effective = { ...this.#defaults, ...(options as BreakerOptions), ...this.#overrides[name] };
    const created: Entry = {
      breaker: undefined as unknown as CircuitBreaker,
      fn: fn as AnyFn | undefined,
      options: options as BreakerOptions,
      warned: false,
    };
    created.breaker = this.#create(name, created, effective);
    this.#entries.set(name, created);
    return created.breaker as unknown as CircuitBreaker<TArgs, R>;
  }

  /** The breaker named `name` if one was made, without making one. */
  find(name: string): CircuitBreaker | undefined {
    return this.#entries.get(name)?.breaker;
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Breaker names by state. */
  summary(): BreakerSummary {
    const summary: BreakerSummary = { open: [], halfOpen: [], closed: [] };
    for (const [name, { breaker }] of this.#entries) summary[breakerState(breaker)].push(name);
    return summary;
  }

  /**
   * A `/readyz` check listing open and half-open breakers: `degraded` while any is open, or a
   * failure when `failReadinessWhenOpen` is set.
   */
  healthCheck(options: BreakerHealthOptions = {}): HealthCheck {
    const failWhenOpen = options.failReadinessWhenOpen ?? false;
    return {
      name: options.name ?? 'circuit-breakers',
      check: () => {
        const { open, halfOpen } = this.summary();
        if (open.length === 0) return halfOpen.length > 0 ? { details: { open, halfOpen } } : undefined;
        if (failWhenOpen) throw new Error(`circuit breakers open: ${open.join(', ')}`);
        return { status: 'degraded', details: { open, halfOpen } };
      },
    };
  }

  /** Shut every breaker down (clears its timers); later calls on them reject. */
  close(): void {
    for (const { breaker } of this.#entries.values()) breaker.shutdown();
    this.#entries.clear();
  }

  #create(name: string, entry: Entry, options: BreakerOptions): CircuitBreaker {
    const isFailure = options.isFailure ?? defaultIsFailure;
    const userFallback = options.fallback;
    // The action runs a resilientCall task when given one, else the breaker's own function.
    const action = function registryBreakerAction(this: unknown, ...args: unknown[]): Promise<unknown> {
      const first = args[0];
      if (isBreakerTask(first)) return first.run();
      const fn = entry.fn as ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (!fn) return Promise.reject(new TypeError(`Circuit breaker "${name}" has no function; use resilientCall`));
      return fn.apply(this, args);
    };
    const breaker: CircuitBreaker = new CircuitBreaker(action, {
      name,
      timeout: options.timeout ?? 10_000,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      resetTimeout: options.resetTimeout ?? 30_000,
      volumeThreshold: options.volumeThreshold ?? 0,
      rollingCountTimeout: options.rollingCountTimeout ?? 10_000,
      rollingCountBuckets: options.rollingCountBuckets ?? 10,
      // We keep our own histogram: opossum's percentiles sort every latency of the window each time
      // its stats are read (on every failure), and its snapshots add a timer per breaker.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (err: unknown, ...args: unknown[]) => {
        const task = args[0];
        // A call the caller cancelled says nothing about the dependency, except as the half-open
        // trial: then it is a failure, so a breaker never closes on a call that never finished.
        if (isBreakerTask(task) && task.callerAborted) return !breaker.halfOpen;
        return !isFailure(err);
      },
    } as CircuitBreaker.Options);
    // Opossum calls the fallback on every counted failure and on rejection while open, with the
    // call's arguments then the error. Throwing from it rejects the call with what we throw and emits
    // no `fallback` event: that is how opossum's errors become catalogue errors.
    breaker.fallback((...argsAndError: unknown[]) => {
      const raw = argsAndError[argsAndError.length - 1];
      const err = translate(name, raw, options.timeout);
      const args = argsAndError.slice(0, -1);
      if (!userFallback || isBreakerTask(args[0])) throw err;
      return (userFallback as (e: unknown, ...a: unknown[]) => unknown)(err, ...args);
    });
    // Opossum's own timeout only rejects; abort the task so the work really stops.
    // (@types/opossum declares only the error; opossum also passes the latency and the arguments.)
    (breaker as EventEmitter).on('timeout', (err: unknown, _latency: number, args: unknown[] | undefined) => {
      const task = args?.[0];
      if (isBreakerTask(task)) task.scope.abort(translate(name, err, options.timeout));
    });
    registryBreakers.add(breaker);
    if (this.#metrics) instrument(breaker, this.#metrics.bind(name));
    if (this.#logger) {
      const log = this.#logger;
      breaker.on('open', () => log.warn({ breaker: name }, 'circuit breaker opened'));
      breaker.on('halfOpen', () => log.info({ breaker: name }, 'circuit breaker half-open'));
      breaker.on('close', () => log.info({ breaker: name }, 'circuit breaker closed'));
    }
    return breaker;
  }
}

function translate(name: string, err: unknown, timeout: number | false | undefined): unknown {
  if (!(err instanceof Error) || !CircuitBreaker.isOurError(err)) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'EOPENBREAKER') return circuitOpenError(name);
  if (code === 'ETIMEDOUT') {
    // TIMEOUT is exposed to clients: the breaker's name (an internal dependency) goes on the error
    // object for logs, not into the message.
    const timedOut = CoreErrors.TIMEOUT(`The operation timed out after ${timeout ?? 10_000} ms`, { cause: err });
    return Object.assign(timedOut, { breaker: name });
  }
  return err;
}

function instrument(breaker: CircuitBreaker, m: BoundBreakerMetrics): void {
  const { events } = m;
  breaker.on('success', (_result: unknown, latencyMs: number) => {
    events.success.inc();
    m.duration.observe(latencyMs / 1000);
  });
  breaker.on('failure', (_err: unknown, latencyMs: number) => {
    events.failure.inc();
    m.duration.observe(latencyMs / 1000);
  });
  breaker.on('timeout', () => events.timeout.inc());
  breaker.on('reject', () => events.reject.inc());
  breaker.on('fallback', () => events.fallback.inc());
  breaker.on('open', () => {
    events.open.inc();
    m.state.set(BREAKER_STATE.open);
  });
  breaker.on('halfOpen', () => {
    events.halfOpen.inc();
    m.state.set(BREAKER_STATE.halfOpen);
  });
  breaker.on('close', () => {
    events.close.inc();
    m.state.set(BREAKER_STATE.closed);
  });
}

function pick(options: BreakerOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of COMPARED) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function differs(kept: BreakerOptions, asked: BreakerOptions): boolean {
  return COMPARED.some((key) => asked[key] !== undefined && asked[key] !== kept[key]);
}

/** The app's breakers. Global, so two copies of core agree on it. */
export const BreakerRegistryToken = createToken<BreakerRegistry>('BreakerRegistry', { global: true });
