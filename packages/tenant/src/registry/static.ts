import type { TenantChangeListener, TenantRecord, TenantRegistry } from '../types.js';
import { storedRecord } from './record-schema.js';
import { TenantIndex } from './tenant-index.js';

/**
 * Tenants fixed at boot (the `tenant.tenants` config list): every answer is in memory, so the
 * resolver decides without a promise.
 *
 * @example
 * const registry = new StaticTenantRegistry([{ id: 'acme', name: 'Acme', domains: ['app.acme.com'] }]);
 */
export class StaticTenantRegistry implements TenantRegistry {
  /** The tenants, by id and by domain (`MemoryTenantRegistry` changes it at run time). */
  protected readonly index = new TenantIndex();

  constructor(tenants: readonly TenantRecord[] = []) {
    for (const tenant of tenants) this.index.set(storedRecord(tenant));
  }

  get(id: string): Promise<TenantRecord | undefined> {
    return Promise.resolve(this.index.get(id));
  }

  byDomain(host: string): Promise<TenantRecord | undefined> {
    return Promise.resolve(this.index.byDomain(host));
  }

  peek(id: string): TenantRecord | null {
    return this.index.get(id) ?? null;
  }

  peekDomain(host: string): TenantRecord | null {
    return this.index.byDomain(host) ?? null;
  }

  list(): TenantRecord[] {
    return this.index.values();
  }

  /** Static tenants never change: the listener is never called. */
  onChange(_listener: TenantChangeListener): () => void {
    return () => undefined;
  }
}
