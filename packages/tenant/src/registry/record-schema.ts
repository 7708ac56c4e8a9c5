import { normalizeHost } from '@koaforge/core';
import * as z from 'zod';
import { TenantErrors } from '../errors.js';
import type { TenantRecord } from '../types.js';

/** A tenant record as config, Redis and `put()` accept it. */
export const tenantRecordSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().min(1).optional(),
  status: z.enum(['active', 'suspended']).optional(),
  domains: z.array(z.string().min(1)).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  quotas: z.record(z.string(), z.number()).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The record a registry keeps: validated, domains in normal form (lower-case, no port), its own
 * copy, deeply frozen so one request cannot change what the next one reads.
 */
export function storedRecord(input: TenantRecord): TenantRecord {
  const parsed = tenantRecordSchema.safeParse(input);
  if (!parsed.success) {
    throw TenantErrors.TENANT_CONFIG_INVALID(
      `Invalid tenant record: ${parsed.error.issues[0]?.message ?? 'bad shape'}`,
      {
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      },
    );
  }
  const record: TenantRecord = structuredClone(parsed.data) as TenantRecord;
  if (record.domains !== undefined) {
    const domains = record.domains.map((d) => {
      const host = normalizeHost(d);
      if (host === undefined) throw TenantErrors.TENANT_CONFIG_INVALID(`Invalid tenant domain "${d}"`);
      return host;
    });
    (record as { domains?: readonly string[] }).domains = [...new Set(domains)];
  }
  return deepFreeze(record);
}

/** A record read back from JSON (Redis): validated; `undefined` when it does not parse. */
export function decodeRecord(json: string): TenantRecord | undefined {
  try {
    return storedRecord(JSON.parse(json) as TenantRecord);
  } catch {
    return undefined;
  }
}
