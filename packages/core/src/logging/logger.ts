import { hostname } from 'node:os';
import {
  type Bindings,
  type ChildLoggerOptions,
  type LevelWithSilent,
  type LogFn,
  type Logger as PinoLogger,
  pino,
} from 'pino';
import { type LogDestination, resolveDestination } from './destination.js';
import { OWN_LOGGER } from './line-writer.js';
import { compileMasker } from './mask.js';
import { DEFAULT_MASK_PATTERNS, type MaskPattern } from './mask-patterns.js';
import { compileRedactPaths, type RedactMatcher } from './redact-matcher.js';
import { DEFAULT_REDACT_PATHS } from './redact-paths.js';
import { createScrubber, type Scrubber } from './scrub.js';

/** A koaforge logger: a pino logger with redaction and masking built in. */
export type Logger = PinoLogger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /**
   * Minimum level; default `'info'`. Case and surrounding spaces are ignored (`'DEBUG '` works).
   * The environment (`LOG_LEVEL`) is not read here: the kernel passes it in.
   */
  level?: LevelWithSilent | (string & Record<never, never>);
  /** Logger name, written as `name` on every line. */
  name?: string;
  /**
   * `'stdout'` (default), `'stderr'`, a file path, or a writable stream. stdout and files use an
   * asynchronous sonic-boom destination buffering 32 KiB, so a log line costs no syscall on the
   * request path; call {@link flushLogger} before exit. stderr is synchronous. Streams are written
   * as given (one `write(line)` per line). A file's directory is created and the file opened once at
   * creation, so a bad path throws here.
   */
  destination?: LogDestination;
  /** Extra redaction paths (pino/fast-redact syntax), added to {@link DEFAULT_REDACT_PATHS}. */
  redact?: string[];
  /** Masking patterns; default {@link DEFAULT_MASK_PATTERNS}; `false` disables masking (not redaction). */
  mask?: MaskPattern[] | false;
  /** Fields on every line, in addition to `pid` and `hostname`. Redacted and masked once, at creation. */
  base?: Record<string, unknown>;
}

const defaultMatcher = compileRedactPaths(DEFAULT_REDACT_PATHS);

function matcherFor(extra: readonly string[] | undefined): RedactMatcher {
  if (extra === undefined || extra.length === 0) return defaultMatcher;
  return compileRedactPaths([...DEFAULT_REDACT_PATHS, ...extra]);
}

/**
 * The top-level walk has already turned errors into pino's standard shape and scrubbed them; pino's
 * default `err` serializer would serialize that plain object again (as `type: 'Object'`).
 */
function serializedErrorAsIs(value: unknown): unknown {
  return value;
}

/**
 * Scrubs `%o`/`%j` interpolation arguments: pino formats them into the message, where path
 * redaction can no longer see `{ password }`. The common calls (message only, object + message)
 * return at the length check.
 */
function logMethodFor(scrubber: Scrubber) {
  return function logMethod(this: PinoLogger, args: Parameters<LogFn>, method: LogFn): void {
    const first = args[0];
    const start = typeof first === 'object' && first !== null ? 2 : 1;
    if (args.length > start) {
      const rest: unknown[] = args;
      for (let i = start; i < rest.length; i++) {
        const arg = rest[i];
        if (typeof arg === 'object' && arg !== null) rest[i] = scrubber.scrubValue(arg);
      }
    }
    method.apply(this, args);
  };
}

/**
 * pino applies `formatters.bindings` to the root logger's base only, not to `child()` bindings, so a
 * `logger.child({ email })` would bypass masking and redaction. Children are created with
 * `Object.create(parent)`, so methods set on the root are inherited by every descendant.
 */
function scrubChildBindings(logger: PinoLogger, scrubber: Scrubber): void {
  const pinoChild = logger.child;
  const pinoSetBindings = logger.setBindings;
  const child = function child<ChildLevels extends string = never>(
    this: PinoLogger,
    bindings: Bindings,
    options?: ChildLoggerOptions<ChildLevels>,
  ) {
    return pinoChild.call(this, scrubber.scrubObject(bindings), options);
  };
  const setBindings: typeof pinoSetBindings = function setBindings(this: PinoLogger, bindings) {
    pinoSetBindings.call(this, scrubber.scrubObject(bindings));
  };
  Object.defineProperties(logger, {
    child: { value: child, writable: true, configurable: true },
    setBindings: { value: setBindings, writable: true, configurable: true },
  });
}

/**
 * Creates a pino logger that redacts secrets by path and masks personal data by pattern on every
 * line, including child loggers, their bindings, messages and errors.
 *
 * - Redaction: values at {@link DEFAULT_REDACT_PATHS} plus `options.redact` become `'[REDACTED]'`.
 * - Masking: {@link DEFAULT_MASK_PATTERNS} (or `options.mask`) run over the message and every string
 *   in the logged object, 6 levels deep, cycle-safe, without mutating it.
 * - Errors under `err` (or logged directly) use pino's standard serializer; message and stack are
 *   masked too.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'debug', name: 'api' });
 * log.info({ user: { email: 'alice@acme.test', password: 'hunter2' } }, 'signed up');
 * // {"level":30,…,"name":"api","user":{"email":"a***@acme.test","password":"[REDACTED]"},"msg":"signed up"}
 * const requestLog = log.child({ requestId }); // same redaction and masking
 * await flushLogger(log); // before exit
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const masker = options.mask === false ? undefined : compileMasker(options.mask ?? DEFAULT_MASK_PATTERNS);
  const scrubber = createScrubber(matcherFor(options.redact), masker);
  const level = (options.level ?? 'info').trim().toLowerCase();
  const logger = pino(
    {
      level,
      name: options.name,
      base: { pid: process.pid, hostname: hostname(), ...options.base },
      formatters: { log: scrubber.scrubObject, bindings: scrubber.scrubObject },
      serializers: { err: serializedErrorAsIs, msg: scrubber.maskMessage },
      hooks: { logMethod: logMethodFor(scrubber) },
    },
    resolveDestination(options.destination),
  );
  scrubChildBindings(logger, scrubber);
  // Lets the access log write its fixed-shape lines directly (see fastLineWriter).
  Object.defineProperty(logger, OWN_LOGGER, { value: true });
  return logger;
}
