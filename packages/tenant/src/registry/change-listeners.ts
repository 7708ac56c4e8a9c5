import type { Logger } from '@koaforge/core';
import type { TenantChange, TenantChangeListener } from '../types.js';

/** The `onChange` listeners of a registry; one that throws is logged and does not stop the others. */
export class ChangeListeners {
  #listeners: readonly TenantChangeListener[] = [];
  readonly #logger: Pick<Logger, 'error'> | undefined;

  constructor(logger?: Pick<Logger, 'error'>) {
    this.#logger = logger;
  }

  add(listener: TenantChangeListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  notify(change: TenantChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (err) {
        this.#logger?.error({ err, tenant: change.id, change: change.change }, 'tenant change listener failed');
      }
    }
  }

  clear(): void {
    this.#listeners = [];
  }
}
