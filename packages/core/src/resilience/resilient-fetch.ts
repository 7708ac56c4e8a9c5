import { hasErrorCode } from '../errors/catalogue.js';
import { type UpstreamStatusError, upstreamStatusError } from './errors.js';
import { type ResilientCallOptions, resilientCall } from './resilient-call.js';
import { parseRetryAfter } from './retry.js';

export interface ResilientFetchOptions extends ResilientCallOptions<Response> {
  /** The fetch to call. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Statuses that are retryable failures. Default: 5xx and 429. */
  isFailureStatus?(status: number): boolean;
}

const defaultFailureStatus = (status: number): boolean => status >= 500 || status === 429;

function isUpstreamStatusError(err: unknown): err is UpstreamStatusError {
  return hasErrorCode(err, 'UPSTREAM_STATUS') && (err as { response?: unknown }).response instanceof Response;
}

/** Bodies fetch can send again on a retry; a stream is consumed by the first attempt. */
function isReplayable(body: RequestInit['body']): boolean {
  return (
    body === undefined || body === null || !(body instanceof ReadableStream || Symbol.asyncIterator in Object(body))
  );
}

/**
 * `fetch` through {@link resilientCall}: each attempt gets its own signal (so a timed-out attempt
 * really closes its request), and answers are sorted like this:
 *
 * - 2xx/3xx: returned.
 * - 4xx (but 429): returned at once, never retried, and a success for the breaker (the upstream
 *   answered; the request was wrong).
 * - 5xx and 429: retryable failures; `Retry-After` is honoured when it fits the retry budget (or,
 *   without a budget, `maxDelayMs`); otherwise retrying stops. When retries are spent, the last
 *   response is returned (check `res.ok`, as with `fetch`), unless `fallback` is given: it gets the
 *   `UPSTREAM_STATUS` error, whose `response` is that last response. Bodies of the retried
 *   responses are discarded.
 * - network errors (`ECONNREFUSED`, `ECONNRESET`…) are retried; a per-attempt timeout throws `TIMEOUT`;
 *   an open breaker throws `CIRCUIT_OPEN`.
 *
 * The timeout covers the wait for the response head; reading the body is the caller's (pass
 * `signal` to bound it). A stream body cannot be sent twice, so with one there are no retries.
 *
 * @example
 * const res = await resilientFetch('https://api.example.com/users/1', { headers }, {
 *   timeout: 1000,
 *   retry: { retries: 2, budgetMs: 3000 },
 *   breaker: { registry: breakers, name: 'users-api' },
 * });
 */
export async function resilientFetch(
  url: string | URL,
  init: RequestInit = {},
  options: ResilientFetchOptions = {},
): Promise<Response> {
  const { fetch: fetchImpl = globalThis.fetch, isFailureStatus = defaultFailureStatus, ...callOptions } = options;
  const signals = [options.signal, init.signal ?? undefined].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const retry = isReplayable(init.body) ? callOptions.retry : undefined;
  try {
    return await resilientCall(
      async (attemptSignal) => {
        const res = await fetchImpl(url, { ...init, signal: attemptSignal });
        if (isFailureStatus(res.status)) {
          throw upstreamStatusError(res, parseRetryAfter(res.headers.get('retry-after')));
        }
        return res;
      },
      {
        ...callOptions,
        ...(retry ? { retry } : { retry: undefined }),
        ...(signal ? { signal } : {}),
        onRetry: (info) => {
          // Free the connection of the response we are not going to read.
          if (isUpstreamStatusError(info.error)) info.error.response.body?.cancel().catch(() => undefined);
          options.onRetry?.(info);
        },
      },
    );
  } catch (err) {
    if (isUpstreamStatusError(err) && !options.fallback) return err.response;
    throw err;
  }
}
