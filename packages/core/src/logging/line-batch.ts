/** What a batch writes to: a buffered pino destination (sonic-boom for stdout and files). */
export interface LineStream {
  write(chunk: string): unknown;
  /** sonic-boom's synchronous flush, used on process exit. */
  flushSync?(): void;
}

/**
 * A batch is handed over early when it reaches this many characters (sonic-boom's own write chunk
 * is 16 KiB).
 */
const MAX_BATCH_CHARS = 16 * 1024;

const batches = new WeakMap<object, LineBatch>();
/** Batches holding lines right now, so a process exit can write them out. */
const pending = new Set<LineBatch>();
let exitHookInstalled = false;

/**
 * Lines gathered during one event-loop turn and written to the destination in one `write` (on
 * `setImmediate`, or earlier at {@link MAX_BATCH_CHARS}). Why: sonic-boom measures the byte length
 * of its whole pending buffer on every `write`, so a line costs ≈ 2 µs once a few KiB are
 * buffered; appending to a string here costs ≈ 20 ns and sonic-boom sees one write per turn.
 * Lines keep their order; `flushLogger` and process exit write pending lines first, so none are lost.
 * Only for destinations that buffer anyway ({@link isBuffered}): a synchronous one (stderr) or a
 * caller's stream gets each line at once, as before.
 */
export class LineBatch {
  readonly #stream: LineStream;
  #text = '';
  #scheduled = false;

  private constructor(stream: LineStream) {
    this.#stream = stream;
    installExitHook();
  }

  /** The one batch of `stream` (shared by every writer of that destination). */
  static for(stream: LineStream): LineBatch {
    let batch = batches.get(stream);
    if (batch === undefined) {
      batch = new LineBatch(stream);
      batches.set(stream, batch);
    }
    return batch;
  }

  /** Writes out the pending lines of `stream`'s batch, if it has one. */
  static flush(stream: unknown): void {
    if (typeof stream === 'object' && stream !== null) batches.get(stream)?.flush();
  }

  add(line: string): void {
    if (this.#text.length === 0) pending.add(this);
    this.#text += line;
    if (this.#text.length >= MAX_BATCH_CHARS) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onImmediate);
    }
  }

  /** Hands the pending lines to the destination. */
  flush(): void {
    if (this.#text.length === 0) return;
    const text = this.#text;
    this.#text = '';
    pending.delete(this);
    try {
      this.#stream.write(text);
    } catch {
      // A destroyed destination: pino drops lines written after its end as well.
    }
  }

  readonly #onImmediate = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** On exit there is no event loop left: write and flush synchronously. */
  flushSync(): void {
    this.flush();
    try {
      this.#stream.flushSync?.();
    } catch {
      // Nothing more can be done while exiting.
    }
  }
}

/** sonic-boom with `minLength` > 0: lines already wait in its buffer before they are written. */
export function isBuffered(stream: object): boolean {
  const minLength = (stream as { minLength?: unknown }).minLength;
  return typeof minLength === 'number' && minLength > 0;
}

/** One listener for the whole process, whatever the number of loggers. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const batch of pending) batch.flushSync();
  });
}
