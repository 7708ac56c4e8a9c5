import { TenantErrors } from '../errors.js';
import type { TenantRecord } from '../types.js';

/** Records by id and by custom domain, for the in-process registries. */
export class TenantIndex {
  readonly #byId = new Map<string, TenantRecord>();
  readonly #byDomain = new Map<string, string>();

  get(id: string): TenantRecord | undefined {
    return this.#byId.get(id);
  }

  byDomain(host: string): TenantRecord | undefined {
    const id = this.#byDomain.get(host);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  values(): TenantRecord[] {
    return [...this.#byId.values()];
  }

  /** Add or replace a stored record; 409 `TENANT_DOMAIN_TAKEN` when a domain belongs to another tenant. */
  set(record: TenantRecord): void {
    for (const domain of record.domains ?? []) {
      const owner = this.#byDomain.get(domain);
      if (owner !== undefined && owner !== record.id) {
        throw TenantErrors.TENANT_DOMAIN_TAKEN(`The domain ${domain} already belongs to another tenant`);
      }
    }
    this.delete(record.id);
    this.#byId.set(record.id, record);
    for (const domain of record.domains ?? []) this.#byDomain.set(domain, record.id);
  }

  delete(id: string): boolean {
    const old = this.#byId.get(id);
    if (old === undefined) return false;
    for (const domain of old.domains ?? []) if (this.#byDomain.get(domain) === id) this.#byDomain.delete(domain);
    return this.#byId.delete(id);
  }
}
