/**
 * How a per-tenant value is disposed when its definition names no `dispose`: the first of
 * `Symbol.asyncDispose`, `Symbol.dispose`, `dispose()`, `close()`, `destroy()` it has (the same
 * list core's container uses). Pools that close with `end()` (pg) need an explicit `dispose`.
 */
export function defaultDisposer(value: unknown): (() => unknown) | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  const v = value as Record<string | symbol, unknown>;
  const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  for (const key of [asyncDispose, dispose, 'dispose', 'close', 'destroy'] as const) {
    if (key === undefined) continue;
    const fn = v[key];
    if (typeof fn === 'function') return () => (fn as () => unknown).call(value);
  }
  return undefined;
}

/** Run disposers one after another (in the order given), collecting failures instead of stopping. */
export async function runDisposers(disposers: ReadonlyArray<() => unknown>, errors: unknown[]): Promise<void> {
  for (const d of disposers) {
    try {
      await d();
    } catch (err) {
      errors.push(err);
    }
  }
}

/** Throw what disposal collected: nothing, the one error, or an AggregateError of all of them. */
export function throwCollected(errors: unknown[], what: string): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposals failed (${what})`);
}
