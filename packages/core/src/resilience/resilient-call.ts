import CircuitBreaker from 'opossum';
import { CoreErrors } from '../errors.js';
import { type BreakerOptions, type BreakerRegistry, isRegistryBreaker } from './breaker-registry.js';
import { BreakerTask } from './breaker-task.js';
import type { CallScope } from './call-scope.js';
import { backoffDelay, isRetryableError } from './retry.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 2 (three attempts in all). */
  retries?: number;
  /** Backoff base: the first retry waits a random time in `[0, minDelayMs)`. Default 100. */
  minDelayMs?: number;
  /** Backoff cap. Default 2000. */
  maxDelayMs?: number;
  /**
   * Time budget of the whole call in ms, attempts and waits included. No retry starts when its
   * wait would reach the budget, and each attempt's timeout is cut to what is left of it. Default:
   * none (only `retries` bounds the call).
   */
  budgetMs?: number;
  /**
   * Decide for one error: `true` retries it, `false` does not, `undefined` keeps the default rule
   * (`err.retryable === true` or a network error such as `ECONNRESET`).
   */
  retryOn?(err: unknown, attempt: number): boolean | undefined;
}

/** A named breaker of a registry, made on first use with `options`. */
export interface BreakerRef {
  registry: BreakerRegistry;
  name: string;
  options?: BreakerOptions;
}

export interface RetryInfo {
  /** The retry about to happen: 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: unknown;
  elapsedMs: number;
}

export interface ResilientCallOptions<T> {
  /** Time limit of each attempt in ms; its signal aborts and the attempt fails with `TIMEOUT`. */
  timeout?: number;
  /** Retry retryable failures. Default: no retries. */
  retry?: RetryOptions;
  /**
   * Guard the whole (retried) call with a circuit breaker: a registry name, or a breaker made by a
   * `BreakerRegistry`.
   */
  breaker?: BreakerRef | CircuitBreaker;
  /**
   * Called with the final error (the last attempt's, `TIMEOUT` or `CIRCUIT_OPEN`) to produce a
   * value instead of rejecting. Not called when the caller's `signal` aborted.
   */
  fallback?(err: unknown): T | Promise<T>;
  /** Cancels everything: the running attempt (its signal aborts), the backoff wait, further retries. */
  signal?: AbortSignal;
  /** Random source in `[0, 1)` for the jitter. Default `Math.random`. */
  random?(): number;
  /** Called before each retry's wait (for logs and tests). */
  onRetry?(info: RetryInfo): void;
}

/**
 * Call `fn` with a per-attempt timeout, retries, a circuit breaker and a fallback, composed in
 * this fixed order, from the inside out:
 *
 * 1. **timeout per attempt**: each attempt gets its own `AbortSignal`, aborted after `timeout` ms
 *    (or when the caller's `signal` aborts); the attempt then fails with `TIMEOUT` (retryable) at
 *    once, whether or not `fn` honours the signal, so a hanging dependency costs at most `timeout`.
 * 2. **retry**: retryable failures are retried with exponential backoff and full jitter, at most
 *    `retries` times and within `budgetMs`.
 * 3. **breaker**: the whole retried call is ONE breaker call. Why not one breaker call per attempt:
 *    retries exist to absorb blips, so a call that succeeds on its second attempt is a success for
 *    the dependency's health, not a 50% failure rate; and when the dependency is really down every
 *    logical call fails after its retries, the breaker opens and stops all attempts, instead of
 *    each open-breaker rejection being retried (multiplying load and latency by `retries + 1`).
 *    The price: a failing call takes up to `retries + 1` timeouts before the breaker counts it, so
 *    keep the breaker's `volumeThreshold` in logical calls and its `timeout` above the budget.
 * 4. **fallback**: gets the final error, including `CIRCUIT_OPEN` when the breaker is open.
 *
 * @example
 * const user = await resilientCall((signal) => fetchUser(id, { signal }), {
 *   timeout: 500,
 *   retry: { retries: 2, minDelayMs: 50, maxDelayMs: 500, budgetMs: 2000 },
 *   breaker: { registry: breakers, name: 'users-api' },
 *   fallback: () => cachedUser(id),
 * });
 */
export async function resilientCall<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: ResilientCallOptions<T> = {},
): Promise<T> {
  const outer = options.signal;
  if (outer?.aborted) throw outer.reason;
  const breaker = resolveBreaker(options.breaker);
  const task: BreakerTask<T> = new BreakerTask<T>(() => retrying(fn, options, task.scope));
  let onAbort: (() => void) | undefined;
  if (outer) {
    onAbort = () => {
      task.callerAborted = true;
      task.scope.abort(outer.reason);
    };
    outer.addEventListener('abort', onAbort, { once: true });
  }
  try {
    return breaker ? ((await (breaker as CircuitBreaker<[BreakerTask<T>], T>).fire(task)) as T) : await task.run();
  } catch (raw) {
    if (outer?.aborted) throw outer.reason;
    const err = breaker ? shutdownAsUnavailable(breaker, raw) : raw;
    if (!options.fallback) throw err;
    // Count it as the breaker's fallback: on dashboards, "fallback" means "answered without the dependency".
    breaker?.emit('fallback', undefined, err);
    return await options.fallback(err);
  } finally {
    if (onAbort) outer?.removeEventListener('abort', onAbort);
  }
}

function resolveBreaker(ref: BreakerRef | CircuitBreaker | undefined): CircuitBreaker | undefined {
  if (ref === undefined) return undefined;
  if ('registry' in ref && typeof ref.registry?.get === 'function')
    return ref.registry.get(ref.name, undefined, ref.options);
  const breaker = ref as CircuitBreaker;
  if (!isRegistryBreaker(breaker)) {
    throw new TypeError(
      `resilientCall needs a breaker made by a BreakerRegistry (got "${String(breaker.name)}"): its action must run the retried call`,
    );
  }
  return breaker;
}

function shutdownAsUnavailable(breaker: CircuitBreaker, err: unknown): unknown {
  if (err instanceof Error && CircuitBreaker.isOurError(err) && (err as { code?: unknown }).code === 'ESHUTDOWN') {
    const unavailable = CoreErrors.SERVICE_UNAVAILABLE('The circuit breaker is shut down', { cause: err });
    return Object.assign(unavailable, { breaker: breaker.name });
  }
  return err;
}

/** The retry loop around single attempts; `scope` is the whole call's (caller and breaker). */
async function retrying<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: ResilientCallOptions<T>,
  scope: CallScope,
): Promise<T> {
  const retry = options.retry;
  const retries = retry ? (retry.retries ?? 2) : 0;
  const budget = retry?.budgetMs ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const elapsed = performance.now() - started;
    try {
      return await attemptOnce(fn, options.timeout, budget - elapsed, scope);
    } catch (err) {
      if (scope.aborted) throw scope.reason;
      if (attempt >= retries || !shouldRetry(retry, err, attempt)) throw err;
      const backoff = { minDelayMs: retry?.minDelayMs ?? 100, maxDelayMs: retry?.maxDelayMs ?? 2000 };
      let delayMs = backoffDelay(attempt, backoff, options.random);
      const now = performance.now() - started;
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== undefined) {
        // The server said when to come back; wait that long if it fits, else give up now.
        const acceptable = Number.isFinite(budget) ? budget - now : backoff.maxDelayMs;
        if (retryAfter > acceptable) throw err;
        delayMs = Math.max(delayMs, retryAfter);
      }
      if (now + delayMs >= budget) throw err;
      options.onRetry?.({ retry: attempt + 1, delayMs, error: err, elapsedMs: now });
      await sleepInScope(delayMs, scope);
    }
  }
}

function shouldRetry(retry: RetryOptions | undefined, err: unknown, attempt: number): boolean {
  const verdict = retry?.retryOn?.(err, attempt);
  return verdict ?? isRetryableError(err);
}

function retryAfterOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { retryAfterMs?: unknown; headers?: Record<string, string> };
  if (typeof e.retryAfterMs === 'number') return e.retryAfterMs;
  // Catalogue errors carry their headers, e.g. a rate limiter's `Retry-After` in seconds.
  const header = e.headers?.['Retry-After'] ?? e.headers?.['retry-after'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) * 1000 : undefined;
}

function sleepInScope(ms: number, scope: CallScope): Promise<void> {
  if (scope.aborted) return Promise.reject(scope.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (reason: unknown) => {
      clearTimeout(timer);
      reject(reason);
    };
    const timer = setTimeout(() => {
      scope.unlisten(onAbort);
      resolve();
    }, ms);
    scope.listen(onAbort);
  });
}

/**
 * One attempt: `fn` with its own signal, settled by whichever comes first of `fn`, the timeout and
 * the call's cancellation, so neither a hanging `fn` nor one that ignores its signal holds the caller.
 */
function attemptOnce<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number | undefined,
  budgetLeftMs: number,
  scope: CallScope,
): Promise<T> {
  if (scope.aborted) return Promise.reject(scope.reason);
  const limit = Math.min(timeoutMs ?? Number.POSITIVE_INFINITY, budgetLeftMs);
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      scope.unlisten(cancel);
    };
    // No listener on our own signal (that costs more than the signal itself): the two things that
    // abort it settle the attempt directly.
    const cancel = (reason: unknown) => {
      if (settled) return;
      finish();
      controller.abort(reason);
      reject(reason);
    };
    scope.listen(cancel);
    if (Number.isFinite(limit)) {
      const ms = Math.max(0, Math.round(limit));
      const byBudget = timeoutMs === undefined || budgetLeftMs < timeoutMs;
      timer = setTimeout(() => {
        cancel(
          CoreErrors.TIMEOUT(
            byBudget
              ? `The retry budget ran out during an attempt (${ms} ms left)`
              : `Attempt timed out after ${ms} ms`,
            { details: { timeoutMs: ms } },
          ),
        );
      }, ms);
    }
    let result: Promise<T>;
    try {
      result = fn(controller.signal);
    } catch (err) {
      result = Promise.reject(err);
    }
    Promise.resolve(result).then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        finish();
        reject(err);
      },
    );
  });
}
