import { Writable } from 'node:stream';
import { createLogger, type Logger, type LoggerOptions } from '../../src/logging/index.js';

/** One parsed log line. */
export type LogLine = Record<string, unknown>;

/** A logger writing into memory, and the JSON lines it wrote. */
export interface CapturedLogger {
  log: Logger;
  lines: LogLine[];
  /** The last line written; fails the test when nothing was logged. */
  last(): LogLine;
}

/** A Writable that parses every pino line it receives. */
export function lineCollector(lines: LogLine[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });
}

export function captureLogger(options: Omit<LoggerOptions, 'destination'> = {}): CapturedLogger {
  const lines: LogLine[] = [];
  const log = createLogger({ ...options, destination: lineCollector(lines) });
  return {
    log,
    lines,
    last() {
      const line = lines.at(-1);
      if (line === undefined) throw new Error('nothing was logged');
      return line;
    },
  };
}

/** Reads `path` (dot/bracket segments) from a parsed line. */
export function valueAt(root: unknown, segments: readonly string[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
