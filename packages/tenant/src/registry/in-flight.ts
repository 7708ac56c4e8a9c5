/** One pending load per key: concurrent misses for the same tenant share a single lookup. */
export class InFlight<T> {
  readonly #pending = new Map<string, Promise<T>>();

  run(key: string, load: () => Promise<T>): Promise<T> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const started = load().finally(() => {
      if (this.#pending.get(key) === started) this.#pending.delete(key);
    });
    this.#pending.set(key, started);
    return started;
  }

  /** Later calls start a fresh load (after an invalidation, the pending one may be stale). */
  forget(key: string): void {
    this.#pending.delete(key);
  }

  clear(): void {
    this.#pending.clear();
  }
}
