/** What a batch writes to: a buffered pino destination (sonic-boom for stdout and files). */
export interface LineStream {
  write(chunk: string): unknown;
  /** sonic-boom's synchronous flush, used on process exit. */
  flushSync?(): void;
}

/** Hand-over size when the destination does not say (sonic-boom's `minLength` in pino's files). */
const DEFAULT_HANDOVER_CHARS = 4096;
/** How long a line may wait here on a quiet server; the destination's own periodic flush is the same. */
const MAX_WAIT_MS = 1000;

const batches = new WeakMap<object, LineBatch>();
/** Batches holding lines right now: the timer and a process exit write them out. */
const pending = new Set<LineBatch>();
let exitHookInstalled = false;
let timerStarted = false;

/**
 * Lines gathered here and handed to the destination in one `write` once they fill its buffer
 * (`minLength`: 32 KiB for koaforge's files and stdout, so sonic-boom writes them at once), or after at
 * most a second. Why: sonic-boom measures the byte length of its whole pending buffer on every
 * `write`, so a line costs ≈ 2 µs once a few KiB are buffered; appending to a string here costs
 * ≈ 20 ns, and no timer or immediate is scheduled per line or per event-loop turn (on Node 20
 * each would run the AsyncLocalStorage hooks of the request context). The wait adds nothing:
 * the destination already held lines until it had its `minLength` or its one-second flush came.
 * Lines keep their order; `flushLogger`, the destination's periodic flush and process exit write
 * pending lines first, so none are lost. Only for destinations that buffer anyway
 * ({@link isBuffered}): a synchronous one (stderr) or a caller's stream gets each line at once.
 */
export class LineBatch {
  readonly #stream: LineStream;
  readonly #handoverChars: number;
  #text = '';

  private constructor(stream: LineStream) {
    this.#stream = stream;
    const minLength = (stream as { minLength?: unknown }).minLength;
    this.#handoverChars = typeof minLength === 'number' && minLength > 0 ? minLength : DEFAULT_HANDOVER_CHARS;
    installExitHook();
    startTimer();
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
    if (this.#text.length >= this.#handoverChars) this.flush();
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

/**
 * One unref'd timer for the whole process, not one per line or per destination (and none holding
 * a destination alive): once a second it hands over what every batch still holds.
 */
function startTimer(): void {
  if (timerStarted) return;
  timerStarted = true;
  setInterval(() => {
    for (const batch of pending) batch.flush();
  }, MAX_WAIT_MS).unref();
}

/** One listener for the whole process, whatever the number of loggers. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const batch of pending) batch.flushSync();
  });
}
