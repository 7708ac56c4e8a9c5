import type { Logger } from '@koaforge/core';
import type { TenantChangeListener, TenantRecord } from '../types.js';
import { ChangeListeners } from './change-listeners.js';
import { storedRecord } from './record-schema.js';
import { StaticTenantRegistry } from './static.js';

export interface MemoryTenantRegistryOptions {
  tenants?: readonly TenantRecord[];
  /** Logs listeners that throw. */
  logger?: Logger;
}

/**
 * Tenants in this process that the app adds, changes, suspends and removes at run time (one
 * process, tests, development). Every change is told to `onChange` listeners.
 *
 * @example
 * const registry = new MemoryTenantRegistry();
 * registry.put({ id: 'acme', name: 'Acme' });
 * registry.onChange(({ id, change }) => { if (change === 'removed') pools.dispose(id); });
 * registry.suspend('acme');
 */
export class MemoryTenantRegistry extends StaticTenantRegistry {
  readonly #listeners: ChangeListeners;

  constructor(options: MemoryTenantRegistryOptions = {}) {
    super(options.tenants);
    this.#listeners = new ChangeListeners(options.logger);
  }

  /** Add or replace a tenant. 409 `TENANT_DOMAIN_TAKEN` when a domain belongs to another tenant. */
  put(record: TenantRecord): TenantRecord {
    const stored = storedRecord(record);
    this.index.set(stored);
    this.#listeners.notify({ id: stored.id, change: 'updated' });
    return stored;
  }

  /** Remove a tenant; false when there was none. */
  remove(id: string): boolean {
    const removed = this.index.delete(id);
    if (removed) this.#listeners.notify({ id, change: 'removed' });
    return removed;
  }

  /** Suspend a tenant (it then answers like an unknown one); false when there is none. */
  suspend(id: string): boolean {
    return this.#setStatus(id, 'suspended');
  }

  /** Undo `suspend`; false when there is no such tenant. */
  resume(id: string): boolean {
    return this.#setStatus(id, 'active');
  }

  override onChange(listener: TenantChangeListener): () => void {
    return this.#listeners.add(listener);
  }

  close(): void {
    this.#listeners.clear();
  }

  #setStatus(id: string, status: 'active' | 'suspended'): boolean {
    const record = this.index.get(id);
    if (record === undefined) return false;
    this.put({ ...record, status });
    return true;
  }
}
