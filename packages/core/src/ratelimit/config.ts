import * as z from 'zod';
import type { RateLimitPolicy } from './policy.js';

const windowSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+\s*[smhd]$/, "e.g. '30s', '1m', '1h', '1d'"),
]);

/** A policy as config can state it (key functions, cost functions and predicates come from code). */
const policySchema = z
  .object({
    limit: z.number().int().positive().optional(),
    window: windowSchema.optional(),
    windows: z
      .array(z.object({ limit: z.number().int().positive(), window: windowSchema }).strict())
      .min(1)
      .optional(),
    key: z.enum(['ip', 'principal', 'tenant', 'apiKey']).default('ip'),
    missingKey: z.enum(['ip', 'skip']).default('ip'),
    cost: z.number().int().nonnegative().default(1),
    allow: z
      .object({ ips: z.array(z.string()).default([]), keys: z.array(z.string()).default([]) })
      .strict()
      .optional(),
  })
  .strict();

/** The `ratelimit` config section. */
export const rateLimitConfigSchema = z.object({
  /** `auto`: Redis when a Redis connection is registered (redisPlugin), else memory. */
  store: z.enum(['auto', 'memory', 'redis']).default('auto'),
  /** What limits do while Redis is down. */
  onStoreDown: z.enum(['insurance', 'open', 'closed']).default('insurance'),
  /** Longest wait for one Redis answer before falling back. */
  storeTimeoutMs: z.number().int().positive().default(200),
  /** While Redis is down, how often one request probes it. */
  probeIntervalMs: z.number().int().positive().default(1000),
  /** Share of each limit a process admits on its own while Redis is down (1/N for N processes). */
  insuranceShare: z.number().gt(0).lte(1).default(1),
  /** IPv6 clients are counted per network of this prefix length. */
  ipv6Prefix: z.number().int().min(1).max(128).default(64),
  headers: z
    .object({
      standard: z.boolean().default(true),
      legacy: z.boolean().default(false),
      onAdmitted: z.boolean().default(true),
    })
    .strict()
    .prefault({}),
  /** Named policies, for `global` and for route guards (`limiter.middleware('name')`). */
  policies: z.record(z.string(), policySchema).default({}),
  /** Names of policies applied to every request, in phase `limit`. */
  global: z.array(z.string()).default([]),
  /**
   * Paths the global policies skip: probes and scrapers must not be throttled into a restart
   * (a kubelet whose /readyz gets 429 takes the pod out of service). Route guards still apply.
   */
  exemptPaths: z.array(z.string()).default(['/healthz', '/readyz', '/metrics']),
});
export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>;

/** A config policy as a `RateLimitPolicy`. */
export function policyFromConfig(name: string, p: RateLimitConfig['policies'][string]): RateLimitPolicy {
  return {
    name,
    ...(p.windows ? { windows: p.windows } : { limit: p.limit, window: p.window }),
    key: p.key,
    missingKey: p.missingKey,
    cost: p.cost,
    ...(p.allow ? { allow: { ips: p.allow.ips, keys: p.allow.keys } } : {}),
  } as RateLimitPolicy;
}
