import { pino } from 'pino';
import { isBuffered, LineBatch, type LineStream } from './line-batch.js';
import type { Logger } from './logger.js';

const { chindingsSym, streamSym, needsMetadataGsym } = pino.symbols;

/** Marks loggers made by `createLogger`, whose line format the fast writer reproduces exactly. */
export const OWN_LOGGER = Symbol.for('koaforge.logger');

/**
 * Writes one fixed-shape line per call straight to the logger's destination, in the exact format
 * pino would produce (`{"level":30,"time":…,<bindings>,<fields>,"msg":"…"}`), for the access log.
 * Why: a generic pino call (object walk, masking scan, serialisers, redaction) costs ≈ 4–5 µs per
 * line, which is more than the whole per-request budget of the core defaults; here the caller
 * knows its fields are numbers and pre-sanitised strings, so a line is one template string.
 * Lines to a buffered destination (stdout, files) go through a {@link LineBatch}: one destination
 * write per 32 KiB of lines (or per second on a quiet server) instead of one per line. Other log
 * calls write straight to the destination, so an access line can land after lines logged later;
 * each line's `time` is when it was made.
 * Falls back to `undefined` (use the logger normally) for loggers we did not make or destinations
 * that need pino's per-line metadata (multistream).
 */
export function fastLineWriter(logger: Logger, msg: string): FastLineWriter | undefined {
  if ((logger as unknown as Record<symbol, unknown>)[OWN_LOGGER] !== true) return undefined;
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[streamSym] as (LineStream & Record<symbol, unknown>) | undefined;
  const bindings = internals[chindingsSym];
  if (stream === undefined || typeof bindings !== 'string' || stream[needsMetadataGsym] === true) return undefined;
  const out = isBuffered(stream) ? LineBatch.for(stream) : { add: (line: string) => stream.write(line) };
  // The start of a line changes once per millisecond (`time`), so it is made once per millisecond
  // and level (`Date.now()` is above 2^31: each conversion to text formats a double).
  let now = -1;
  const heads = new Map<number, string>();
  return {
    // `levelVal` is a plain field read (`silent` is Infinity); `level` would map a name each time.
    enabled: (level) => level >= logger.levelVal,
    head(level) {
      const time = Date.now();
      if (time !== now) {
        now = time;
        heads.clear();
      }
      let head = heads.get(level);
      if (head === undefined) {
        head = `{"level":${level},"time":${time}${bindings},`;
        heads.set(level, head);
      }
      return head;
    },
    // Encoded once: the message is the writer's, and every line ends the same.
    tail: `,"msg":${JSON.stringify(msg)}}\n`,
    add: (line) => out.add(line),
  };
}

/**
 * What {@link fastLineWriter} gives: a line is `head(level) + fields + tail`, handed to `add` in
 * one piece (one template string per line, no intermediate field string).
 */
export interface FastLineWriter {
  /** Whether the logger writes lines of this level now. */
  enabled(level: 30 | 40 | 50): boolean;
  /** `{"level":…,"time":…,<bindings>,` for a line made now. */
  head(level: 30 | 40 | 50): string;
  /** `,"msg":"…"}` and the newline. */
  readonly tail: string;
  add(line: string): void;
}
