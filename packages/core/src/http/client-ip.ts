import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Context } from 'koa';

export interface ClientIpOptions {
  /**
   * How many reverse proxies you run in front of the app, each appending the address it saw to
   * `X-Forwarded-For`. Default 0: the header is ignored and the socket peer is the client.
   */
  trustedProxyHops?: number;
}

export interface IpKeyOptions {
  /** IPv6 addresses are grouped by this prefix length. Default 64 (one customer's network). */
  ipv6Prefix?: number;
}

/**
 * The client's IP address, normalised: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4, IPv6 is
 * lower-case and compressed (RFC 5952), zone ids are dropped.
 *
 * `X-Forwarded-For` is read only with `trustedProxyHops` > 0, and then from the RIGHT: the socket
 * peer is the last hop, and with N trusted proxies the client is the Nth valid address from the
 * right end of the header. Everything left of that was written by the client itself; reading the
 * leftmost entry (as many libraries do) would let a client pick a new address per request and
 * escape every per-IP limit. Entries that are not IP addresses are skipped. When the header holds
 * fewer addresses than trusted hops, the leftmost valid one is taken.
 *
 * @example
 * // one load balancer in front of the app
 * const ip = clientIp(ctx, { trustedProxyHops: 1 });
 */
export function clientIp(source: Context | IncomingMessage, options: ClientIpOptions = {}): string | undefined {
  const req: IncomingMessage = 'req' in source ? source.req : source;
  const peer = normalizePeer(req.socket.remoteAddress);
  const hops = options.trustedProxyHops ?? 0;
  if (hops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  // Node joins repeated X-Forwarded-For lines with ', ', so one string holds the whole chain.
  if (typeof header !== 'string' || header === '') return peer;
  let chosen = peer;
  let remaining = hops;
  let end = header.length;
  while (remaining > 0 && end > 0) {
    const comma = header.lastIndexOf(',', end - 1);
    const ip = parseForwardedEntry(header.slice(comma + 1, end).trim());
    end = comma;
    if (ip === undefined) continue;
    chosen = ip;
    remaining--;
  }
  return chosen;
}

/**
 * The address to count requests by: IPv4 as it is; IPv6 reduced to its network prefix
 * (`2001:db8:1:2::/64` by default), because one subscriber usually holds a whole /64 and could
 * otherwise rotate through 2^64 addresses, one fresh limit each.
 *
 * @example
 * ipKey('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 * ipKey('2001:db8::1', { ipv6Prefix: 128 }); // '2001:db8::1'
 */
export function ipKey(ip: string, options: IpKeyOptions = {}): string {
  if (!ip.includes(':')) return ip;
  const prefix = options.ipv6Prefix ?? 64;
  const cacheKey = prefix === 64 ? ip : `${prefix}|${ip}`;
  const cached = ipv6KeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const key = computeIpv6Key(ip, prefix);
  // Bounded: a flood of distinct addresses must not grow memory; clearing is cheaper than an LRU.
  if (ipv6KeyCache.size >= IPV6_CACHE_SIZE) ipv6KeyCache.clear();
  ipv6KeyCache.set(cacheKey, key);
  return key;
}

const IPV6_CACHE_SIZE = 4096;
const ipv6KeyCache = new Map<string, string>();

function computeIpv6Key(ip: string, prefix: number): string {
  const normal = normalizeIp(ip);
  if (normal === undefined) return ip;
  if (!normal.includes(':')) return normal;
  const groups = parseIpv6(normal);
  if (groups === undefined) return normal;
  if (prefix >= 128) return normal;
  const bits = Math.max(0, Math.floor(prefix));
  for (let i = 0; i < 8; i++) {
    const keep = Math.min(16, Math.max(0, bits - i * 16));
    groups[i] = keep === 0 ? 0 : groups[i]! & (0xffff << (16 - keep)) & 0xffff;
  }
  return `${formatIpv6(groups)}/${bits}`;
}

/**
 * A valid IP address in its normal form, or `undefined`: IPv4-mapped IPv6 becomes IPv4, IPv6 is
 * lower-case and compressed as RFC 5952 says, a zone id (`%eth0`) is dropped.
 */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (ip === undefined || ip === '') return undefined;
  const zone = ip.indexOf('%');
  const bare = zone >= 0 ? ip.slice(0, zone) : ip;
  const kind = isIP(bare);
  if (kind === 4) return bare;
  if (kind !== 6) return undefined;
  const groups = parseIpv6(bare.toLowerCase());
  if (groups === undefined) return undefined;
  if (isIpv4Mapped(groups)) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return formatIpv6(groups);
}

/**
 * The socket peer. The OS already gives a valid address (inet_ntop form), so only the IPv4-mapped
 * form of dual-stack listeners needs work: this runs on every request.
 */
function normalizePeer(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  if (!address.includes(':')) return address;
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  return normalizeIp(address);
}

/** One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`. */
function parseForwardedEntry(entry: string): string | undefined {
  if (entry === '') return undefined;
  let value = entry;
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const close = value.indexOf(']');
    if (close < 0) return undefined;
    value = value.slice(1, close);
  } else {
    const colon = value.indexOf(':');
    // Exactly one colon: IPv4 with a port (some proxies add it). IPv6 has at least two.
    if (colon >= 0 && colon === value.lastIndexOf(':')) value = value.slice(0, colon);
  }
  return normalizeIp(value);
}

function isIpv4Mapped(g: Uint16Array): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

/** Eight 16-bit groups of an address that `isIP` already accepted as IPv6 (lower-case, no zone). */
function parseIpv6(ip: string): Uint16Array | undefined {
  const groups = new Uint16Array(8);
  let text = ip;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Embedded IPv4 in the last 32 bits (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`).
    const v4 = text.slice(lastColon + 1).split('.');
    if (v4.length !== 4) return undefined;
    const b = v4.map(Number);
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const double = text.indexOf('::');
  const head = double >= 0 ? text.slice(0, double) : text;
  const rest = double >= 0 ? text.slice(double + 2) : '';
  const left = head === '' ? [] : head.split(':');
  const right = rest === '' ? [] : rest.split(':');
  if (double < 0 && left.length !== 8) return undefined;
  if (left.length + right.length > 8) return undefined;
  for (let i = 0; i < left.length; i++) groups[i] = Number.parseInt(left[i]!, 16);
  for (let i = 0; i < right.length; i++) groups[8 - right.length + i] = Number.parseInt(right[i]!, 16);
  if (tail.length === 2) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(g: Uint16Array): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(g[i]!.toString(16));
    return parts.join(':');
  };
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}
