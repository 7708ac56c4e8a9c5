import { Writable } from 'node:stream';
import { type App, type AppOptions, createApp } from '../src/index.js';

/** A writable that collects JSON log lines. */
export function logSink(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { stream, lines };
}

/** An app isolated from the machine's environment and config files, logging to a sink. */
export function testApp(options: AppOptions = {}): { app: App; lines: Array<Record<string, unknown>> } {
  const sink = logSink();
  const app = createApp({
    config: { file: false, env: {} },
    logger: { destination: sink.stream, level: 'debug' },
    ...options,
  });
  return { app, lines: sink.lines };
}

/** Listen on a free loopback port; returns the base URL. */
export async function listen(app: App): Promise<string> {
  const { port } = await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}
