import { CallScope } from './call-scope.js';

/**
 * Work that `resilientCall` runs through a registry breaker. A registry breaker's action runs a
 * `BreakerTask` given as its first argument instead of the breaker's own function, so one named
 * breaker serves both `breaker.fire(...args)` and any number of `resilientCall`s. Not exported from
 * the package: nobody else can make one, so a user argument is never mistaken for a task.
 */
export class BreakerTask<T = unknown> {
  /** Aborted when the breaker's own timeout fires or the caller's signal aborts. */
  readonly scope = new CallScope();
  /** Set when the caller cancelled: such a call is not the dependency's failure. */
  callerAborted = false;

  constructor(readonly run: () => Promise<T>) {}
}

export function isBreakerTask(value: unknown): value is BreakerTask {
  return value instanceof BreakerTask;
}
