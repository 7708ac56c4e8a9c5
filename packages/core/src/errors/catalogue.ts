/**
 * Error catalogue helpers. Every error koaforge throws on purpose is a `KoaforgeError` with a
 * stable `code`, an HTTP `status`, `expose` (may the message reach the client?) and `retryable`.
 *
 * Brand checks use a `Symbol.for` key rather than `instanceof`, so an error made by one installed
 * copy of `@koaforge/core` is still recognised by another copy (two versions in one node_modules
 * tree are common in monorepos and behind bundlers).
 */

const BRAND = Symbol.for('koaforge.error');

export interface ErrorOptions {
  /** The underlying cause (kept for logs; never sent to clients). */
  cause?: unknown;
  /** Extra problem+json members sent to the client (only when `expose` is true). */
  details?: Record<string, unknown>;
  /** Response headers to set with the problem answer (e.g. `Retry-After`, `Allow`). */
  headers?: Record<string, string>;
}

export interface ErrorSpec {
  status: number;
  message: string;
  /** Whether the message and details may be shown to clients. Default: status < 500. */
  expose?: boolean;
  /** Whether a caller may retry the same operation. Default: false. */
  retryable?: boolean;
  /** A short, stable title for problem+json. Default: derived from the code. */
  title?: string;
}

export class KoaforgeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly retryable: boolean;
  readonly title: string;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: string, spec: ErrorSpec, message: string = spec.message, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KoaforgeError';
    this.code = code;
    this.status = spec.status;
    this.expose = spec.expose ?? spec.status < 500;
    this.retryable = spec.retryable ?? false;
    this.title = spec.title ?? titleFromCode(code);
    this.details = options.details;
    this.headers = options.headers;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** The structural shape every koaforge error has, whichever copy of core made it. */
export interface KoaforgeErrorLike {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly retryable: boolean;
  readonly title: string;
  readonly message: string;
  readonly details?: Record<string, unknown> | undefined;
  readonly headers?: Record<string, string> | undefined;
}

/** True for errors made by any installed copy of `@koaforge/core`. */
export function isKoaforgeError(value: unknown): value is KoaforgeErrorLike {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True for a koaforge error with the given code. */
export function hasErrorCode(value: unknown, code: string): value is KoaforgeErrorLike {
  return isKoaforgeError(value) && value.code === code;
}

/** Make a one-off catalogue error. Prefer `defineErrors` for a package's catalogue. */
export function createError(
  code: string,
  status: number,
  message: string,
  options: ErrorOptions & Omit<ErrorSpec, 'status' | 'message'> = {},
): KoaforgeError {
  const { cause, details, headers, ...spec } = options;
  return new KoaforgeError(code, { ...spec, status, message }, message, { cause, details, headers });
}

/** A factory for one catalogue entry: call it to make the error; it also carries the spec. */
export interface ErrorFactory<Code extends string> {
  (message?: string, options?: ErrorOptions): KoaforgeError;
  readonly code: Code;
  readonly status: number;
  readonly spec: Readonly<ErrorSpec>;
  /** True when `err` is this catalogue entry (from any copy of core). */
  is(err: unknown): err is KoaforgeErrorLike;
}

export type ErrorCatalogue<T extends Record<string, ErrorSpec>> = {
  readonly [K in keyof T & string]: ErrorFactory<K>;
};

const CODE_RE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * Define a package's error catalogue.
 *
 * @example
 * export const AuthErrors = defineErrors({
 *   AUTH_TOKEN_EXPIRED: { status: 401, message: 'The access token has expired' },
 * });
 * throw AuthErrors.AUTH_TOKEN_EXPIRED();
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): ErrorCatalogue<T> {
  const catalogue: Record<string, ErrorFactory<string>> = {};
  for (const [code, spec] of Object.entries(specs)) {
    if (!CODE_RE.test(code)) throw new TypeError(`Error code "${code}" must be UPPER_SNAKE_CASE`);
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new TypeError(`Error code "${code}" has status ${spec.status}; expected 400-599`);
    }
    const frozen = Object.freeze({ ...spec });
    const factory = ((message?: string, options?: ErrorOptions) =>
      new KoaforgeError(code, frozen, message ?? frozen.message, options)) as ErrorFactory<string>;
    Object.defineProperties(factory, {
      code: { value: code, enumerable: true },
      status: { value: spec.status, enumerable: true },
      spec: { value: frozen, enumerable: true },
      is: { value: (err: unknown) => hasErrorCode(err, code) },
    });
    catalogue[code] = factory;
  }
  return Object.freeze(catalogue) as ErrorCatalogue<T>;
}

function titleFromCode(code: string): string {
  const words = code.toLowerCase().split('_');
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
