import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, flushLogger, type Logger } from '../../src/logging/index.js';
import { lineCollector } from './capture.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'koaforge-log-'));
  dirs.push(dir);
  return dir;
}

function endStream(log: Logger): void {
  const stream = (log as unknown as Record<symbol, { end(): void }>)[pino.symbols.streamSym];
  stream?.end();
}

describe('destinations', () => {
  it('writes to a file, creating it and its directory; flushLogger writes everything', async () => {
    const file = join(await tempDir(), 'nested', 'app.log');
    const log = createLogger({ destination: file });
    await expect(readFile(file, 'utf8')).resolves.toBe(''); // created at once
    for (let i = 0; i < 500; i++) log.info({ i, email: 'alice@acme.test' }, 'line');
    await flushLogger(log);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(500);
    expect(lines.at(-1)).toMatchObject({ i: 499, email: 'a***@acme.test', msg: 'line' });
    await flushLogger(log); // safe twice
    endStream(log);
    await flushLogger(log); // and after the destination ended
  });

  it('buffers small writes until flushed', async () => {
    const file = join(await tempDir(), 'buffered.log');
    const log = createLogger({ destination: file });
    log.info('one short line');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readFile(file, 'utf8')).toBe(''); // below the 32 KiB threshold: no syscall yet
    await Promise.all([flushLogger(log), flushLogger(log)]);
    expect(await readFile(file, 'utf8')).toContain('one short line');
    endStream(log);
  });

  it('appends to an existing file', async () => {
    const file = join(await tempDir(), 'append.log');
    for (const run of [1, 2]) {
      const log = createLogger({ destination: file });
      log.info({ run }, 'started');
      await flushLogger(log);
      endStream(log);
    }
    const runs = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { run: number }).run);
    expect(runs).toEqual([1, 2]);
  });

  it('fails at creation for an unusable path', async () => {
    const dir = await tempDir();
    expect(() => createLogger({ destination: dir })).toThrow(); // a directory, not a file
  });

  it('resolves flushLogger at once for streams, stderr and stdout', async () => {
    await flushLogger(createLogger({ destination: lineCollector([]) }));
    await flushLogger(createLogger({ destination: 'stderr' }));
    const stdoutLog = createLogger({ destination: 'stdout' });
    await flushLogger(stdoutLog);
    endStream(stdoutLog);
  });
});

describe('periodic flush', () => {
  it('writes a lone line of a quiet logger to its file within about a second, without flushLogger', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kf-log-'));
    dirs.push(dir);
    const file = join(dir, 'quiet.log');
    const log = createLogger({ destination: file });
    log.info('lonely line');
    // One line is far below the 32 KiB buffer: only the timer can write it.
    await new Promise((r) => setTimeout(r, 1600));
    expect(await readFile(file, 'utf8')).toContain('lonely line');
  });
});
