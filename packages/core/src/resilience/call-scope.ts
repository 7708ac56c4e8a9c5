/**
 * Cancellation of one whole `resilientCall` (the caller's signal, or the breaker's own timeout),
 * as a plain object rather than an AbortController: on Node 20 making an AbortSignal costs about
 * 3 µs and adding a listener to a fresh one about 2 µs more (measured, see the breaker bench), and
 * the attempts already make one signal each for the function they call.
 *
 * One listener at a time: the running attempt or the backoff sleep.
 */
export class CallScope {
  aborted = false;
  reason: unknown = undefined;
  #listener: ((reason: unknown) => void) | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.(reason);
  }

  listen(listener: (reason: unknown) => void): void {
    this.#listener = listener;
  }

  unlisten(listener: (reason: unknown) => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }
}
