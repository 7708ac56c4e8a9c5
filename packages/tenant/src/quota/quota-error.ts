import type { KoaforgeError } from '@koaforge/core';
import { TenantErrors } from '../errors.js';
import type { QuotaDecision } from './decision.js';

/** `"name";q=1000;w=86400`: a quota policy item (draft-ietf-httpapi-ratelimit-headers §3.1), as core's limiter writes them. */
export function policyItem(decision: QuotaDecision): string | undefined {
  if (decision.windowSeconds === undefined || !Number.isFinite(decision.limit)) return undefined;
  return `"quota-${decision.quota}";q=${decision.limit};w=${decision.windowSeconds}`;
}

/** `"name";r=0;t=3600`: the service limit item (§4). */
export function limitItem(decision: QuotaDecision): string | undefined {
  if (decision.resetSeconds === undefined || !Number.isFinite(decision.limit)) return undefined;
  return `"quota-${decision.quota}";r=${Math.max(0, decision.remaining)};t=${decision.resetSeconds}`;
}

/**
 * 429 `TENANT_QUOTA_EXCEEDED` for a refused decision: the quota's name, limit and what was asked
 * in the problem details; for period quotas `Retry-After` (seconds to the next window) and the
 * `RateLimit-Policy` / `RateLimit` fields. Gauges (storage, seats) get no `Retry-After`: waiting
 * does not free them, releasing does.
 */
export function quotaExceededError(decision: QuotaDecision): KoaforgeError {
  const headers: Record<string, string> = {};
  if (decision.retryAfterSeconds !== undefined) headers['Retry-After'] = String(decision.retryAfterSeconds);
  const policy = policyItem(decision);
  const limit = limitItem(decision);
  if (policy !== undefined && limit !== undefined) {
    headers['RateLimit-Policy'] = policy;
    headers.RateLimit = limit;
  }
  return TenantErrors.TENANT_QUOTA_EXCEEDED(`The tenant has used up its "${decision.quota}" quota`, {
    headers,
    details: {
      quota: decision.quota,
      limit: decision.limit,
      used: decision.used,
      requested: decision.requested,
      ...(decision.retryAfterSeconds === undefined ? {} : { retryAfter: decision.retryAfterSeconds }),
    },
  });
}
