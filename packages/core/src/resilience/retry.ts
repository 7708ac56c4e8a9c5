/**
 * Retry building blocks: which errors are worth retrying, full-jitter exponential backoff and
 * `Retry-After`. `resilientCall` composes them; they are exported for callers with their own loop.
 */

/** Socket-level error codes that mean "the request may not have reached the server; try again". */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  // undici (global fetch) wraps socket failures in `TypeError('fetch failed', { cause })`.
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function codeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined;
}

/** True for connection-level failures (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`…), also as `cause`. */
export function isNetworkError(err: unknown): boolean {
  let current: unknown = err;
  // Two levels: fetch's TypeError → undici's SocketError → the errno error.
  for (let depth = 0; depth < 3 && typeof current === 'object' && current !== null; depth++) {
    const code = codeOf(current);
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The default retry rule: errors marked `retryable: true` (catalogue errors) and network errors. */
export function isRetryableError(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true) return true;
  return isNetworkError(err);
}

export interface BackoffOptions {
  /** Base delay of the first retry, in ms. */
  minDelayMs: number;
  /** Cap of the exponential growth, in ms. */
  maxDelayMs: number;
}

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): a uniformly random delay
 * in `[0, min(maxDelay, minDelay * 2^attempt))`. Spreading retries over the whole window is what
 * stops many clients that failed together from retrying together.
 *
 * @param attempt 0 for the first retry, 1 for the second…
 * @param random a source in `[0, 1)`; inject one in tests.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). `undefined` when
 * absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
