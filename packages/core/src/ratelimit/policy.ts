import { BlockList } from 'node:net';
import type { Context } from 'koa';
import { currentContext, type RequestContext } from '../context/request-context.js';
import { normalizeIp } from '../http/client-ip.js';
import type { WindowInput } from './window.js';

/** Who a request is counted for. Built-in kinds read core's request context, so auth and tenant plug in. */
export type RateLimitKeyKind = 'ip' | 'principal' | 'tenant' | 'apiKey';
/** A custom key: requests with the same string share a count; `undefined` or `''` means "no key" (see `missingKey`). */
export type RateLimitKeyFn = (ctx: Context) => string | undefined;

export interface RateLimitWindow {
  /** Points admitted per window (with `cost` 1: requests). */
  limit: number;
  window: WindowInput;
}

export interface RateLimitAllowList {
  /** Client addresses or CIDR ranges never limited, e.g. `['10.0.0.0/8', '::1']`. */
  ips?: readonly string[];
  /** Keys never limited, as the key function gives them (`'principal:svc-backup'`, `'tenant:acme'`). */
  keys?: readonly string[];
  /** Requests for which this returns true are not limited. */
  when?: (ctx: Context) => boolean;
}

/**
 * A rate limit policy. Give `limit` + `window`, or `windows` for several at once (every window must
 * admit; the answer reports the most restrictive).
 *
 * @example
 * const perIp: RateLimitPolicy = { name: 'per-ip', limit: 100, window: '1m' };
 * const api: RateLimitPolicy = {
 *   name: 'api', key: 'principal',
 *   windows: [{ limit: 20, window: '1s' }, { limit: 1000, window: '1h' }],
 *   cost: (ctx) => (ctx.method === 'GET' ? 1 : 5),
 *   allow: { ips: ['10.0.0.0/8'] },
 * };
 */
export interface RateLimitPolicy {
  /** Names the policy in keys (`rl:<name>:<window>:<key>`), metrics and headers: letters, digits, `.`, `_`, `-`. */
  name: string;
  limit?: number;
  window?: WindowInput;
  windows?: readonly RateLimitWindow[];
  /** Default `ip`. */
  key?: RateLimitKeyKind | RateLimitKeyFn;
  /**
   * When the key is missing (no principal, no tenant, custom function gave `undefined`): count by
   * client IP (`ip`, default: anonymous traffic is still limited) or do not limit (`skip`).
   */
  missingKey?: 'ip' | 'skip';
  /** Points one request costs: a whole number ≥ 0 (0: not counted), or a function of the request. Default 1. */
  cost?: number | ((ctx: Context) => number);
  allow?: RateLimitAllowList;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assertPolicyName(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new TypeError(
      `Invalid rate limit policy name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-' (it goes into keys and headers)`,
    );
  }
}

/** The request context of a Koa request: the state slot first (no AsyncLocalStorage lookup), else ALS. */
function requestContextOf(ctx: Context): RequestContext | undefined {
  return ctx.state.requestContext ?? currentContext();
}

export function principalKey(ctx: Context): string | undefined {
  const id = requestContextOf(ctx)?.principal?.id;
  return id === undefined ? undefined : `principal:${id}`;
}

export function tenantKey(ctx: Context): string | undefined {
  const rc = requestContextOf(ctx);
  const id = rc?.tenant?.id ?? rc?.principal?.tenantId;
  return id === undefined ? undefined : `tenant:${id}`;
}

/** API keys are principals of type `apiKey` (as @koaforge/auth sets them); other principals have none. */
export function apiKeyKey(ctx: Context): string | undefined {
  const p = requestContextOf(ctx)?.principal;
  return p !== undefined && p.type === 'apiKey' ? `apikey:${p.id}` : undefined;
}

export const BUILTIN_KEYS: Record<Exclude<RateLimitKeyKind, 'ip'>, RateLimitKeyFn> = {
  principal: principalKey,
  tenant: tenantKey,
  apiKey: apiKeyKey,
};

/** A matcher for addresses and CIDR ranges, on node's `BlockList` (IPv4 and IPv6). */
export function ipMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.trim().split('/');
    const ip = normalizeIp(address);
    const type = ip?.includes(':') ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = type === 'ipv6' ? 128 : 32;
    if (
      ip === undefined ||
      extra !== undefined ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))
    ) {
      throw new TypeError(`Invalid allow-list address ${JSON.stringify(entry)}: use an IP address or a CIDR range`);
    }
    if (prefix === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, prefix, type);
  }
  return (ip) => list.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');
}

/** A request's cost as a whole number: 0 is free, anything not a positive number counts as 1. */
export function normalizeCost(value: number): number {
  if (value > 0) return Math.ceil(value);
  return value === 0 ? 0 : 1;
}
