import * as z from 'zod';
import { tenantRecordSchema } from './registry/record-schema.js';
import { DEFAULT_TENANT_ID_PATTERN } from './tenant-id.js';

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/**
 * The `tenant` config section. The resolution chain is built in this order: principal (trusted),
 * path, header, subdomain, domain (hints); each hint is on when configured.
 *
 * @example
 * // koaforge.config.json
 * {
 *   "tenant": {
 *     "subdomain": { "baseDomains": ["localhost", "example.com"] },
 *     "domains": { "app.acme.com": "acme" },
 *     "anonymous": "ignore",
 *     "tenants": [{ "id": "acme", "name": "Acme" }, { "id": "globex", "name": "Globex" }]
 *   }
 * }
 */
export const tenantConfigSchema = z.object({
  /** Trusted: the authenticated principal's tenant (`Principal.tenantId`, or a claim). */
  principal: z
    .object({
      enabled: z.boolean().default(true),
      /** Read this claim of `principal.claims` first (e.g. `org_id`). */
      claim: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Hint: a header naming the tenant; `false` turns it off. */
  header: z.union([z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.literal(false)]).default('X-Tenant-Id'),
  /** Hint: `acme.example.com` names `acme` (on when `baseDomains` is not empty). */
  subdomain: z
    .object({
      baseDomains: z.array(z.string().min(1)).default([]),
      ignore: z.array(z.string().min(1)).default(['www']),
      multiLevel: z.boolean().default(false),
    })
    .prefault({}),
  /** Hint: custom domain → tenant id. */
  domains: z.record(z.string(), z.string().min(1)).default({}),
  /** Also ask the registry which tenant owns a custom domain (records' `domains`). */
  domainLookup: z.boolean().default(true),
  /** Hint: `/t/acme/...` names `acme`; `strip` routes by the rest of the path. */
  path: z
    .object({
      prefix: z.string().min(1).default('/t'),
      strip: z.boolean().default(true),
    })
    .optional(),
  /** Hints without a trusted answer (anonymous requests): accept them (`verified: false`) or ignore them. */
  anonymous: z.enum(['accept', 'ignore']).default('accept'),
  /** Shape of a tenant id (regular expression source); others answer 400 `TENANT_INVALID`. */
  idPattern: regexSource.default(DEFAULT_TENANT_ID_PATTERN.source),
  /** Answer suspended tenants 403 `TENANT_SUSPENDED` instead of the 404 of unknown ones. */
  revealSuspended: z.boolean().default(false),
  /** Tenants of the `static` and `memory` registries; seeded into Redis (when absent) by `redis`. */
  tenants: z.array(tenantRecordSchema).default([]),
  registry: z
    .object({
      /** `static`: the `tenants` list; `memory`: that list, changeable at run time; `redis`: shared in Redis. */
      kind: z.enum(['static', 'memory', 'redis']).default('static'),
      /** How long `redis` and loader-backed registries answer a tenant from memory. */
      cacheTtlMs: z.number().int().nonnegative().default(30_000),
      /** How long an unknown tenant is remembered as unknown. */
      negativeTtlMs: z.number().int().nonnegative().default(5_000),
      maxEntries: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  /**
   * Quotas by name: `period` quotas count per fixed window (`minute`, `hour`, `day`, `week`,
   * `month` or seconds), `gauge` quotas hold a level (storage bytes, seats). Limits come from each
   * tenant record's `quotas`, else `default`, else unlimited.
   */
  quotas: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
      z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('period'),
          period: z.union([z.enum(['minute', 'hour', 'day', 'week', 'month']), z.number().int().positive()]),
          default: z.number().int().nonnegative().optional(),
        }),
        z.object({ kind: z.literal('gauge'), default: z.number().int().nonnegative().optional() }),
      ]),
    )
    .default({}),
  /** A period quota every request with a tenant counts against (phase `limit`); `false`: none. */
  requestQuota: z.union([z.string().min(1), z.literal(false)]).default(false),
  /** Where quota counters live: `auto` is Redis when `redisPlugin` is registered, else memory. */
  quotaStore: z.enum(['auto', 'memory', 'redis']).default('auto'),
  /** When the quota store cannot answer: `closed` (503) or `open` (admit uncounted). */
  onQuotaStoreDown: z.enum(['closed', 'open']).default('closed'),
  /**
   * Label `tenant_quota_rejections_total` by tenant too. Off by default: one series per tenant and
   * quota can be a lot of series (cardinality); turn it on when tenants are few.
   */
  metricsTenantLabel: z.boolean().default(false),
  /** Per-tenant services (`TenantServices`): keep at most this many tenants' services alive. */
  services: z.object({ maxTenants: z.number().int().positive().optional() }).prefault({}),
});
export type TenantConfig = z.output<typeof tenantConfigSchema>;
