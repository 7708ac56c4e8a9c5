import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, flushLogger, type Logger } from '../../src/index.js';
import { fastLineWriter } from '../../src/logging/index.js';

const tmpFile = () => join(mkdtempSync(join(tmpdir(), 'kf-batch-')), 'access.log');
interface Destination {
  write: (chunk: string) => boolean;
}
const streamOf = (log: object) => (log as Record<symbol, unknown>)[pino.symbols.streamSym] as Destination;

/** The access log's use of the fast writer: one line of `fields` at `level`, if enabled. */
function lineWriter(log: Logger): ((level: 30 | 50, fields: string) => void) | undefined {
  const w = fastLineWriter(log, 'request');
  if (w === undefined) return undefined;
  return (level, fields) => {
    if (w.enabled(level)) w.add(`${w.head(level)}${fields}${w.tail}`);
  };
}

describe('access-log line batches', () => {
  const linesOf = (chunk: unknown) =>
    String(chunk)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; n: number });

  it('hands lines to a buffered destination in one write once they fill its 32 KiB buffer, in order', () => {
    const log = createLogger({ destination: tmpFile() });
    const write = vi.spyOn(streamOf(log), 'write');
    const line = lineWriter(log);
    let n = 0;
    let written = 0;
    while (write.mock.calls.length === 0) {
      n++;
      line?.(n % 7 === 0 ? 50 : 30, `"n":${n}`);
      if (write.mock.calls.length === 0) written = n;
      if (n > 10_000) break;
    }
    expect(write).toHaveBeenCalledTimes(1);
    const chunk = String(write.mock.calls[0]?.[0]);
    expect(chunk.length).toBeGreaterThanOrEqual(32 * 1024);
    expect(chunk.length - 32 * 1024).toBeLessThan(200); // handed over at the line that crossed 32 KiB
    expect(linesOf(chunk).map((l) => l.n)).toEqual(Array.from({ length: written + 1 }, (_, i) => i + 1));
  });

  it('schedules no timer or immediate per line; a quiet destination gets its lines within a second', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'setTimeout', 'setImmediate'] });
    try {
      const log = createLogger({ destination: tmpFile() });
      const write = vi.spyOn(streamOf(log), 'write');
      const line = lineWriter(log);
      line?.(30, '"n":1');
      const timers = vi.getTimerCount();
      line?.(30, '"n":2');
      line?.(50, '"n":3');
      expect(vi.getTimerCount()).toBe(timers);
      expect(write).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1000);
      expect(write).toHaveBeenCalledTimes(1);
      expect(linesOf(write.mock.calls[0]?.[0]).map((l) => [l.level, l.n])).toEqual([
        [30, 1],
        [30, 2],
        [50, 3],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands lines to a buffered stream of the caller within a second too (no periodic flush of ours there)', async () => {
    const chunks: string[] = [];
    // A caller's sonic-boom-like stream: buffered (minLength), so lines are batched for it.
    const stream = { minLength: 4096, write: (s: string) => chunks.push(s) > 0 };
    const log = createLogger({ destination: stream as never });
    lineWriter(log)?.(30, '"n":1');
    expect(chunks).toHaveLength(0);
    await vi.waitFor(() => expect(chunks).toHaveLength(1), { timeout: 5000, interval: 50 });
    expect(linesOf(chunks[0]).map((l) => l.n)).toEqual([1]);
  });

  it('flushLogger writes lines still gathered', async () => {
    const file = tmpFile();
    const log = createLogger({ destination: file });
    lineWriter(log)?.(30, '"n":1');
    await flushLogger(log);
    expect(readFileSync(file, 'utf8')).toContain('"n":1');
  });

  it('writes each line at once to streams that do not buffer', () => {
    const chunks: string[] = [];
    const log = createLogger({ destination: { write: (s: string) => chunks.push(s) } as never });
    lineWriter(log)?.(30, '"n":1');
    expect(chunks).toHaveLength(1);
  });

  it('loses no line when the process exits in the same turn', () => {
    const file = tmpFile();
    const fixture = fileURLToPath(new URL('../fixtures/exit-with-access-lines.mjs', import.meta.url));
    const res = spawnSync(process.execPath, [fixture, file], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const ids = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).requestId);
    expect(ids).toEqual(['id-0', 'id-1', 'id-2']);
  });
});
