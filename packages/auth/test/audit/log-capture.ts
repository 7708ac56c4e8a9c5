import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@koaforge/core';

/** A core (pino) logger writing into memory: raw lines and parsed objects. */
export function captureLogger(): { logger: Logger; raw: string[]; lines: Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        if (!line.trim()) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { logger: createLogger({ destination: stream, level: 'debug' }), raw, lines };
}
