import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DestinationStream, pino } from 'pino';
import { LineBatch } from './line-batch.js';

/** Where log lines go: `'stdout'`, `'stderr'`, a file path, or a writable stream. */
export type LogDestination = 'stdout' | 'stderr' | (string & Record<never, never>) | NodeJS.WritableStream;

/**
 * Bytes buffered before sonic-boom writes. With `sync: false` a log call only appends to a string;
 * the write happens off the request path, in libuv's thread pool, once per 32 KiB (≈ 150
 * access-log lines). Each write is a round trip to a pool thread (a futex wake, the syscall, an
 * eventfd back to the loop): at 4 KiB a loaded server made 214 writes and 676 futex calls per 2000
 * requests, at 32 KiB 32 and 359 (Koa + router alone: 262 futex calls; `strace -f -c`). At 10k
 * requests/s 32 KiB is 15 ms of lines; a quiet server's lines still go out within a second.
 */
const BUFFER_BYTES = 32 * 1024;
/** sonic-boom's largest single write; its `minLength` must stay below it (its default is 16 KiB). */
const MAX_WRITE_BYTES = 2 * BUFFER_BYTES;

/**
 * Resolves a destination option to a pino stream. stdout and files are asynchronous and buffered;
 * pino flushes them synchronously on process exit, and {@link flushLogger} flushes them on demand.
 * stderr stays synchronous and unbuffered, as Node's own stderr is, so lines written just before a
 * crash are not lost. Streams are used as given.
 */
export function resolveDestination(destination: LogDestination | undefined): DestinationStream {
  if (destination === undefined || destination === 'stdout') {
    return flushPeriodically(
      pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES, maxWrite: MAX_WRITE_BYTES }),
    );
  }
  if (destination === 'stderr') return pino.destination({ dest: 2, sync: true });
  if (typeof destination !== 'string') return destination;
  // Open once synchronously so a bad path (missing permission, a directory) fails createLogger at
  // boot; sonic-boom's own asynchronous open would report it later as an unhandled 'error' event.
  mkdirSync(dirname(destination), { recursive: true });
  closeSync(openSync(destination, 'a'));
  return flushPeriodically(
    pino.destination({
      dest: destination,
      sync: false,
      minLength: BUFFER_BYTES,
      maxWrite: MAX_WRITE_BYTES,
      append: true,
    }),
  );
}

/** How long a line may wait in the buffer on a quiet server before it is written anyway. */
export const FLUSH_INTERVAL_MS = 1000;

interface BufferedBoom {
  destroyed: boolean;
  flush(): void;
  on(event: 'close', listener: () => void): unknown;
  /** sonic-boom internals: bytes buffered, and whether a write is in progress. */
  _len?: number;
  _writing?: boolean;
}

/**
 * A 32 KiB buffer alone would keep the last lines of a quiet server unwritten indefinitely (an
 * operator tailing the log sees nothing). A timer, unref'd so it never holds the process open,
 * writes whatever is buffered once a second; it costs nothing when the buffer is empty.
 */
function flushPeriodically<T extends object>(stream: T): T {
  const boom = stream as unknown as BufferedBoom;
  const timer = setInterval(() => {
    if (boom.destroyed) return;
    // Lines the access log batches for this destination first (see LineBatch).
    LineBatch.flush(stream);
    if (boom._writing === true || boom._len === 0) return;
    try {
      boom.flush();
    } catch {
      // Destroyed between the check and the call: nothing left to write.
    }
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  boom.on('close', () => clearInterval(timer));
  return stream;
}
