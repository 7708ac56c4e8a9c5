import { pino } from 'pino';
import { LineBatch } from './line-batch.js';
import type { Logger } from './logger.js';

/** What pino's buffered destinations (sonic-boom, thread-stream) offer: `flush(cb)` and events. */
interface FlushableStream {
  flush(callback: (err?: Error | null) => void): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

function isFlushable(stream: unknown): stream is FlushableStream {
  if (typeof stream !== 'object' || stream === null) return false;
  const candidate = stream as Partial<FlushableStream>;
  return (
    typeof candidate.flush === 'function' && typeof candidate.on === 'function' && typeof candidate.off === 'function'
  );
}

/**
 * Rounds are bounded so a flush at shutdown finishes even while other code keeps logging; each round
 * writes up to sonic-boom's 16 KiB chunk, so this covers far more than was buffered when it started.
 */
const MAX_FLUSH_ROUNDS = 64;

/** fsync is not supported on pipes and terminals (stdout under a process manager): nothing was lost. */
function isFsyncUnsupported(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'ENOTSUP' || code === 'EROFS';
}

/**
 * One `flush(cb)`, resolving with the bytes written meanwhile. sonic-boom's flush only waits for a
 * write already in progress and then reports 'drain' even when less than `minLength` is still
 * buffered, so a single call can leave the last lines behind; the caller repeats until a round
 * writes nothing. A destination that ends or is destroyed meanwhile wrote its buffer on the way out.
 */
function flushRound(stream: FlushableStream): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let written = 0;
    let settled = false;
    const onWrite = (bytes: number) => {
      written += bytes;
    };
    const finish = (err?: Error | null) => {
      if (settled) return;
      settled = true;
      stream.off('write', onWrite);
      stream.off('close', onClose);
      if (err === undefined || err === null || isFsyncUnsupported(err)) resolve(written);
      else if (err.message === 'SonicBoom destroyed') resolve(0);
      else reject(err);
    };
    const onClose = () => finish();
    stream.on('write', onWrite);
    stream.on('close', onClose);
    try {
      stream.flush(finish);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/**
 * Writes out lines buffered by an asynchronous destination (stdout, files), resolving once they are
 * on their way to the disk (written and fsynced where supported). Resolves at once for stream and
 * stderr destinations. Safe to call twice, concurrently, and after the destination has ended.
 * It has no timeout of its own (a stuck pipe blocks it): give it a deadline at shutdown.
 *
 * @example
 * ```ts
 * app.onStop(() => flushLogger(log));
 * ```
 */
export async function flushLogger(logger: Logger): Promise<void> {
  const stream: unknown = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  // Access-log lines still gathered go first (see LineBatch).
  LineBatch.flush(stream);
  if (!isFlushable(stream)) return;
  for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
    if ((await flushRound(stream)) === 0) return;
  }
}
