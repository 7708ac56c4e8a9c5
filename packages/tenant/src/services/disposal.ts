import { disposerOf } from '@koaforge/core';

/** How a per-tenant value is disposed when its definition names no `dispose` (core's rule). */
export const defaultDisposer = disposerOf;

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
