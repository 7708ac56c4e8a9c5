import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, flushLogger } from '../../src/index.js';
import { fastLineWriter } from '../../src/logging/index.js';

const tmpFile = () => join(mkdtempSync(join(tmpdir(), 'kf-batch-')), 'access.log');
interface Destination {
  write: (chunk: string) => boolean;
}
const streamOf = (log: object) => (log as Record<symbol, unknown>)[pino.symbols.streamSym] as Destination;

describe('access-log line batches', () => {
  it('hands the lines of one event-loop turn to a buffered destination in one write, in order', async () => {
    const log = createLogger({ destination: tmpFile() });
    const stream = streamOf(log);
    const write = vi.spyOn(stream, 'write');
    const line = fastLineWriter(log);
    line?.(30, '"n":1', 'request');
    line?.(30, '"n":2', 'request');
    line?.(50, '"n":3', 'request');
    expect(write).not.toHaveBeenCalled();
    await new Promise((r) => setImmediate(r));
    expect(write).toHaveBeenCalledTimes(1);
    const lines = String(write.mock.calls[0]?.[0])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.n])).toEqual([
      [30, 1],
      [30, 2],
      [50, 3],
    ]);
  });

  it('flushLogger writes lines still gathered in the current turn', async () => {
    const file = tmpFile();
    const log = createLogger({ destination: file });
    fastLineWriter(log)?.(30, '"n":1', 'request');
    await flushLogger(log);
    expect(readFileSync(file, 'utf8')).toContain('"n":1');
  });

  it('writes each line at once to streams that do not buffer', () => {
    const chunks: string[] = [];
    const log = createLogger({ destination: { write: (s: string) => chunks.push(s) } as never });
    fastLineWriter(log)?.(30, '"n":1', 'request');
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
