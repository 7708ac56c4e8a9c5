/**
 * How a value is disposed when nobody said how: the first of `Symbol.asyncDispose`,
 * `Symbol.dispose`, `dispose()`, `close()`, `destroy()` it has, bound to it; `undefined` when it
 * has none. Used by the container for what it made, and by plugins that hold values of their own
 * (per-tenant services). Pools that close with `end()` (pg) need an explicit disposer.
 */
export function disposerOf(value: unknown): (() => unknown) | undefined {
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
