import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';

export interface RequestHostOptions {
  /**
   * How many reverse proxies you run in front of the app (core's `http.trustProxyHops`). Default 0:
   * `X-Forwarded-Host` is ignored and the `Host` header is the host.
   */
  trustedProxyHops?: number;
}

/** A DNS name (labels of letters, digits and inner hyphens) or an IPv4 address, lower-case, no port. */
const HOSTNAME_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6_LITERAL_RE = /^\[[0-9a-f:.]{2,45}\]$/;
const PORT_RE = /^[0-9]{1,5}$/;

const CACHE_SIZE = 1024;
/** Raw header value → normal form (`null`: malformed). Hosts of one app are few; bounded for floods. */
const cache = new Map<string, string | null>();

/**
 * The host the client asked for: lower-case, without port or trailing dot, or `undefined` when
 * the request names none or a malformed one (user info, paths, spaces, bad labels, bad port).
 * IPv6 literals keep their brackets (`[::1]`).
 *
 * `X-Forwarded-Host` is read only with `trustedProxyHops` > 0, and then like `clientIp` reads
 * `X-Forwarded-For`: from the RIGHT. Each trusted proxy appends the host it was asked for, so the
 * host the client asked the outermost proxy for is the Nth entry from the right; entries further
 * left were written by the client and would let it name any tenant's domain. When the header
 * holds fewer entries than trusted hops, the leftmost is taken; without the header, `Host`.
 *
 * @example
 * requestHost(ctx); // 'acme.example.com' for `Host: ACME.example.com:8443`
 * requestHost(ctx, { trustedProxyHops: 1 }); // the last X-Forwarded-Host entry, else Host
 */
export function requestHost(source: Context | IncomingMessage, options: RequestHostOptions = {}): string | undefined {
  const req: IncomingMessage = 'req' in source ? source.req : source;
  const headers = req.headers;
  const hops = options.trustedProxyHops ?? 0;
  if (hops > 0) {
    const forwarded = headers['x-forwarded-host'];
    // Node joins repeated X-Forwarded-Host lines with ', ', so one string holds the whole chain.
    if (typeof forwarded === 'string' && forwarded !== '') return normalizeHost(forwardedEntry(forwarded, hops));
  }
  const host = headers.host ?? headers[':authority'];
  return typeof host === 'string' ? normalizeHost(host) : undefined;
}

/**
 * A `Host`-style value (`Example.COM:8080`, `[::1]:3000`, `example.com.`) in normal form:
 * lower-case, no port, no trailing dot; `undefined` when malformed.
 */
export function normalizeHost(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value.length > 300) return undefined;
  const cached = cache.get(value);
  if (cached !== undefined) return cached ?? undefined;
  const normal = parseHost(value);
  // Clearing is cheaper than an LRU, and a flood of distinct hosts must not grow memory.
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(value, normal ?? null);
  return normal;
}

/** The entry `hops` from the right end of a comma-separated chain, or its leftmost entry. */
function forwardedEntry(header: string, hops: number): string {
  let end = header.length;
  let remaining = hops;
  let entry = '';
  while (remaining > 0 && end > 0) {
    const comma = header.lastIndexOf(',', end - 1);
    entry = header.slice(comma + 1, end).trim();
    end = comma;
    remaining--;
  }
  return entry;
}

function parseHost(raw: string): string | undefined {
  const value = raw.trim().toLowerCase();
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const close = value.indexOf(']');
    if (close < 0) return undefined;
    const literal = value.slice(0, close + 1);
    const rest = value.slice(close + 1);
    if (rest !== '' && !(rest.charCodeAt(0) === 0x3a /* : */ && validPort(rest.slice(1)))) return undefined;
    return IPV6_LITERAL_RE.test(literal) ? literal : undefined;
  }
  let name = value;
  const colon = value.indexOf(':');
  if (colon >= 0) {
    if (!validPort(value.slice(colon + 1))) return undefined;
    name = value.slice(0, colon);
  }
  if (name.endsWith('.')) name = name.slice(0, -1);
  return HOSTNAME_RE.test(name) ? name : undefined;
}

function validPort(port: string): boolean {
  return PORT_RE.test(port) && Number(port) <= 65_535;
}
