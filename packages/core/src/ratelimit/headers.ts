import type { Context } from 'koa';

/**
 * Rate-limit response fields, after draft-ietf-httpapi-ratelimit-headers-11 (May 2026):
 *
 *   RateLimit-Policy: "per-ip";q=100;w=60          (§3: a List of quota policy Items; q quota, w window s)
 *   RateLimit: "per-ip";r=0;t=12                   (§4: a List of service limit Items; r available, t seconds)
 *
 * Both are Structured Field Lists (RFC 9651), so the items of several policies on one response are
 * joined with ", " (§3 and §4: a list may also be split over several field lines). Policy names
 * are sf-strings; `assertPolicyName` keeps them to characters that need no escaping.
 *
 * The older de-facto `X-RateLimit-Limit` / `-Remaining` / `-Reset` trio is available as an option;
 * `X-RateLimit-Reset` is then epoch seconds, as GitHub and most clients read it.
 */
export interface RateLimitHeaderOptions {
  /** `RateLimit-Policy` and `RateLimit`. Default true. */
  standard?: boolean;
  /** `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds). Default false. */
  legacy?: boolean;
  /** Also on admitted answers, not only on 429s. Default true. */
  onAdmitted?: boolean;
}

export const POLICY_FIELD = 'RateLimit-Policy';
export const LIMIT_FIELD = 'RateLimit';

/** `"name";q=100;w=60`: one quota policy Item (§3.1). */
export function policyItem(name: string, quota: number, windowSeconds: number): string {
  return `"${name}";q=${quota};w=${windowSeconds}`;
}

/** Append an item to a List field already on the response (another policy's), or set it. */
export function appendListField(ctx: Context, field: string, item: string): void {
  const res = ctx.res;
  const prev = res.getHeader(field);
  res.setHeader(field, prev === undefined ? item : `${String(prev)}, ${item}`);
}

/** A List field with an earlier policy's items (already on the response) and ours. */
export function joinedListField(ctx: Context, field: string, item: string): string {
  const prev = ctx.res.getHeader(field);
  return prev === undefined ? item : `${String(prev)}, ${item}`;
}

/**
 * Legacy headers: with several policies on one response, the one with the fewest remaining wins,
 * since the trio can describe only one limit.
 */
export function setLegacyFields(ctx: Context, limit: number, remaining: number, resetMs: number): void {
  const res = ctx.res;
  const prev = res.getHeader('X-RateLimit-Remaining');
  if (prev !== undefined && Number(prev) <= remaining) return;
  res.setHeader('X-RateLimit-Limit', String(limit));
  res.setHeader('X-RateLimit-Remaining', String(remaining));
  res.setHeader('X-RateLimit-Reset', String(Math.ceil((Date.now() + Math.max(0, resetMs)) / 1000)));
}

export function legacyFields(limit: number, remaining: number, resetMs: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(Math.ceil((Date.now() + Math.max(0, resetMs)) / 1000)),
  };
}
