import CircuitBreaker from 'opossum';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { CoreErrors } from '../../src/errors.js';
import { BreakerRegistry } from '../../src/resilience/breaker-registry.js';
import { type RetryInfo, resilientCall } from '../../src/resilience/resilient-call.js';
import { backoffDelay, isNetworkError, isRetryableError, parseRetryAfter } from '../../src/resilience/retry.js';

const retryable = (message = 'flaky') => Object.assign(new Error(message), { retryable: true });
const settle = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ value: v }),
    (e: unknown) => e,
  );

let registries: BreakerRegistry[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const r of registries) r.close();
  registries = [];
});

function breakerRegistry() {
  const metrics = new Registry();
  const breakers = new BreakerRegistry({ metrics, logger: pino({ level: 'silent' }) });
  registries.push(breakers);
  const count = async (breaker: string, event: string) => {
    const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'circuit_breaker_events_total');
    return metric?.values.find((v) => v.labels.breaker === breaker && v.labels.event === event)?.value;
  };
  return { breakers, count };
}

describe('resilientCall: timeout per attempt', () => {
  it('a hanging dependency costs at most the timeout, and its signal is aborted with TIMEOUT', async () => {
    const signals: AbortSignal[] = [];
    const err = await settle(
      resilientCall(
        (signal) => {
          signals.push(signal);
          return new Promise<never>(() => {}); // never settles, ignores the signal
        },
        { timeout: 30 },
      ),
    );
    // The dependency never settles: only the timeout can end the call (else the test times out).
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    expect(err).toMatchObject({ retryable: true, status: 504 });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(err);
  });

  it('retries timed-out attempts, each with a fresh signal', async () => {
    const signals: AbortSignal[] = [];
    const err = await settle(
      resilientCall(
        (signal) => {
          signals.push(signal);
          return new Promise<never>(() => {});
        },
        { timeout: 10, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } },
      ),
    );
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    expect(signals).toHaveLength(3);
    expect(new Set(signals).size).toBe(3);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });
});

describe('resilientCall: retry', () => {
  it('does not retry a non-retryable error', async () => {
    const fn = vi.fn(async () => {
      throw new Error('bad input');
    });
    const err = await settle(resilientCall(fn, { retry: { retries: 5, minDelayMs: 1 } }));
    expect((err as Error).message).toBe('bad input');
    expect(fn).toHaveBeenCalledTimes(1);
    // A catalogue error that is not retryable.
    const fn2 = vi.fn(async () => {
      throw CoreErrors.VALIDATION_FAILED();
    });
    await settle(resilientCall(fn2, { retry: { retries: 5, minDelayMs: 1 } }));
    expect(fn2).toHaveBeenCalledTimes(1);
  });

  it('retries retryable errors up to `retries` times, then throws the last one', async () => {
    let n = 0;
    const fn = vi.fn(async () => {
      n++;
      throw retryable(`attempt ${n}`);
    });
    const err = await settle(resilientCall(fn, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } }));
    expect(fn).toHaveBeenCalledTimes(4);
    expect((err as Error).message).toBe('attempt 4');
  });

  it('returns the first success', async () => {
    let n = 0;
    const fn = vi.fn(async () => {
      if (++n < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return 'done';
    });
    await expect(resilientCall(fn, { retry: { retries: 5, minDelayMs: 1, maxDelayMs: 2 } })).resolves.toBe('done');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('classifies network errors (also as a cause) and lets retryOn decide', async () => {
    expect(isNetworkError(Object.assign(new Error(), { code: 'ECONNREFUSED' }))).toBe(true);
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error(), { code: 'ETIMEDOUT' }) });
    expect(isRetryableError(fetchFailed)).toBe(true);
    expect(isRetryableError(Object.assign(new Error(), { code: 'ENOENT' }))).toBe(false);
    expect(isRetryableError(CoreErrors.SERVICE_UNAVAILABLE())).toBe(true);

    const plain = vi.fn(async () => {
      throw new Error('plain');
    });
    await settle(resilientCall(plain, { retry: { retries: 2, minDelayMs: 1, retryOn: () => true } }));
    expect(plain).toHaveBeenCalledTimes(3);
    const vetoed = vi.fn(async () => {
      throw retryable();
    });
    await settle(resilientCall(vetoed, { retry: { retries: 2, minDelayMs: 1, retryOn: () => false } }));
    expect(vetoed).toHaveBeenCalledTimes(1);
    const undecided = vi.fn(async () => {
      throw retryable();
    });
    await settle(resilientCall(undecided, { retry: { retries: 2, minDelayMs: 1, retryOn: () => undefined } }));
    expect(undecided).toHaveBeenCalledTimes(3);
  });

  it('full jitter: every delay is within [0, min(maxDelay, minDelay * 2^attempt))', () => {
    const opts = { minDelayMs: 100, maxDelayMs: 1000 };
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    ceilings.forEach((ceiling, attempt) => {
      expect(backoffDelay(attempt, opts, () => 0)).toBe(0);
      expect(backoffDelay(attempt, opts, () => 0.5)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, opts, () => 0.999_999)).toBe(ceiling - 1);
    });
    for (let i = 0; i < 1000; i++) {
      const attempt = i % 8;
      const d = backoffDelay(attempt, opts);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(1000, 100 * 2 ** attempt));
    }
  });

  it('waits the jittered delays from the injected random source', async () => {
    vi.useFakeTimers();
    const randoms = [0.5, 0.25, 1 - 1e-9];
    const infos: RetryInfo[] = [];
    const fn = vi.fn(async () => {
      throw retryable();
    });
    const p = settle(
      resilientCall(fn, {
        retry: { retries: 3, minDelayMs: 100, maxDelayMs: 300 },
        random: () => randoms.shift() ?? 0,
        onRetry: (info) => infos.push(info),
      }),
    );
    await vi.advanceTimersByTimeAsync(49);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1); // 50 = 0.5 × 100
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(50); // 50 = 0.25 × 200
    expect(fn).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(299); // 299 = ⌊0.999… × min(300, 400)⌋
    expect(fn).toHaveBeenCalledTimes(4);
    await p;
    expect(infos.map((i) => [i.retry, i.delayMs])).toEqual([
      [1, 50],
      [2, 50],
      [3, 299],
    ]);
  });

  it('stops retrying when the next wait would exceed the budget', async () => {
    vi.useFakeTimers();
    const fn = vi.fn(async () => {
      throw retryable();
    });
    const p = settle(
      resilientCall(fn, {
        retry: { retries: 10, minDelayMs: 40, maxDelayMs: 10_000, budgetMs: 100 },
        random: () => 1 - 1e-9, // the longest delays: 39, 79, …
      }),
    );
    await vi.runAllTimersAsync();
    const err = await p;
    // 0 ms: attempt 1; wait 39 → 39 ms: attempt 2; wait 79 would end at 118 > 100: stop.
    expect(fn).toHaveBeenCalledTimes(2);
    expect((err as Error).message).toBe('flaky');
  });

  it('cuts the last attempt to what is left of the budget', async () => {
    const err = await settle(
      resilientCall(() => new Promise<never>(() => {}), { timeout: 5000, retry: { retries: 3, budgetMs: 40 } }),
    );
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/budget/);
  });

  it('honours a Retry-After carried by the error when it fits', async () => {
    vi.useFakeTimers();
    const infos: RetryInfo[] = [];
    let n = 0;
    const fn = vi.fn(async () => {
      if (++n === 1) throw CoreErrors.SERVICE_UNAVAILABLE('busy', { headers: { 'Retry-After': '2' } });
      return 'ok';
    });
    const p = resilientCall(fn, {
      retry: { retries: 1, minDelayMs: 10, maxDelayMs: 5000 },
      random: () => 0,
      onRetry: (i) => infos.push(i),
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toBe('ok');
    expect(infos[0]?.delayMs).toBe(2000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('resilientCall: fallback and cancellation', () => {
  it('calls the fallback with the final error', async () => {
    const final = new Error('down');
    const fallback = vi.fn((_err: unknown) => 'cached');
    await expect(resilientCall(async () => Promise.reject(final), { fallback })).resolves.toBe('cached');
    expect(fallback).toHaveBeenCalledTimes(1);
    expect(fallback).toHaveBeenCalledWith(final);
  });

  it('the caller signal cancels the backoff wait and further retries (no fallback)', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw retryable();
    });
    const fallback = vi.fn(() => 'no');
    setTimeout(() => controller.abort(new Error('client went away')), 20);
    const err = await settle(
      resilientCall(fn, {
        retry: { retries: 5, minDelayMs: 60_000, maxDelayMs: 60_000 },
        random: () => 0.9,
        signal: controller.signal,
        fallback,
      }),
    );
    expect((err as Error).message).toBe('client went away');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('the caller signal aborts the running attempt', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const p = settle(
      resilientCall(
        (signal) => {
          seen = signal;
          return new Promise<never>(() => {});
        },
        { signal: controller.signal, timeout: 60_000 },
      ),
    );
    controller.abort(new Error('stop'));
    expect(((await p) as Error).message).toBe('stop');
    expect(seen?.aborted).toBe(true);
    await expect(resilientCall(async () => 1, { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('resilientCall: breaker', () => {
  it('makes the whole retried call ONE breaker call', async () => {
    const { breakers, count } = breakerRegistry();
    const fn = vi.fn(async () => {
      throw retryable();
    });
    const options = {
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 },
      breaker: { registry: breakers, name: 'dep', options: { resetTimeout: 60_000, volumeThreshold: 2 } },
    };
    await settle(resilientCall(fn, options));
    expect(fn).toHaveBeenCalledTimes(3);
    expect(await count('dep', 'failure')).toBe(1);
    expect(breakers.find('dep')?.closed).toBe(true); // volumeThreshold 2: not yet
    await settle(resilientCall(fn, options));
    expect(fn).toHaveBeenCalledTimes(6);
    expect(breakers.find('dep')?.opened).toBe(true);

    // Open: no call at all, CIRCUIT_OPEN to the fallback, counted as a fallback.
    const fallback = vi.fn((_err: unknown) => 'stale');
    await expect(resilientCall(fn, { ...options, fallback })).resolves.toBe('stale');
    expect(fn).toHaveBeenCalledTimes(6);
    expect(hasErrorCode(fallback.mock.calls[0]?.[0], 'CIRCUIT_OPEN')).toBe(true);
    expect(await count('dep', 'reject')).toBe(1);
    expect(await count('dep', 'fallback')).toBe(1);
    const err = await settle(resilientCall(fn, options));
    expect(hasErrorCode(err, 'CIRCUIT_OPEN')).toBe(true);
  });

  it('a call that succeeds on retry is one breaker success', async () => {
    const { breakers, count } = breakerRegistry();
    let n = 0;
    const fn = async () => {
      if (++n === 1) throw retryable();
      return n;
    };
    const breaker = breakers.get('blip');
    await expect(resilientCall(fn, { retry: { retries: 1, minDelayMs: 1 }, breaker })).resolves.toBe(2);
    expect(await count('blip', 'success')).toBe(1);
    expect(await count('blip', 'failure')).toBe(0);
  });

  it("the breaker's own timeout aborts the whole call, retries included", async () => {
    const { breakers, count } = breakerRegistry();
    const signals: AbortSignal[] = [];
    const err = await settle(
      resilientCall(
        (signal) => {
          signals.push(signal);
          return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        },
        {
          timeout: 1000,
          retry: { retries: 5, minDelayMs: 1 },
          breaker: { registry: breakers, name: 'slow', options: { timeout: 30, resetTimeout: 60_000 } },
        },
      ),
    );
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(await count('slow', 'timeout')).toBe(1);
  });

  it('a call cancelled by the caller is not a breaker failure', async () => {
    const { breakers, count } = breakerRegistry();
    const controller = new AbortController();
    const p = settle(
      resilientCall(() => new Promise<never>(() => {}), {
        signal: controller.signal,
        breaker: { registry: breakers, name: 'cancel', options: { resetTimeout: 60_000 } },
      }),
    );
    controller.abort(new Error('bye'));
    expect(((await p) as Error).message).toBe('bye');
    expect(await count('cancel', 'failure')).toBe(0);
    expect(breakers.find('cancel')?.closed).toBe(true);
  });

  it('non-failures (4xx) reject without counting against the breaker', async () => {
    const { breakers, count } = breakerRegistry();
    const notFound = Object.assign(new Error('nope'), { status: 404 });
    for (let i = 0; i < 3; i++) {
      await settle(
        resilientCall(async () => Promise.reject(notFound), {
          breaker: { registry: breakers, name: 'lookup', options: { resetTimeout: 60_000 } },
        }),
      );
    }
    expect(await count('lookup', 'failure')).toBe(0);
    expect(breakers.find('lookup')?.closed).toBe(true);
  });

  it('refuses a breaker that was not made by a registry, and maps shutdown to SERVICE_UNAVAILABLE', async () => {
    const foreign = new CircuitBreaker(async () => 1);
    await expect(resilientCall(async () => 1, { breaker: foreign })).rejects.toThrow(TypeError);
    foreign.shutdown();
    const { breakers } = breakerRegistry();
    const b = breakers.get('gone');
    b.shutdown();
    const err = await settle(resilientCall(async () => 1, { breaker: b }));
    expect(hasErrorCode(err, 'SERVICE_UNAVAILABLE')).toBe(true);
  });
});
