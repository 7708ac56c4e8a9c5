import { requireCurrentTenant } from '../context.js';
import { assertTenantId, isValidTenantId } from '../tenant-id.js';
import { isValidRest, joinParts, partProblem } from './key-parts.js';

/** What a scoped key is for; each kind has its own namespace, so the four never collide. */
export type TenantKeyKind = 'redis' | 'cache' | 'storage' | 'room';

export interface TenantKeyOptions {
  /** Tenant ids must match it. Default `DEFAULT_TENANT_ID_PATTERN` (`/^[a-z0-9][a-z0-9_-]{0,62}$/`). */
  idPattern?: RegExp;
  /**
   * Wrap the tenant id of Redis and cache keys in `{}` (`t:{acme}:sessions`), so Redis Cluster puts
   * every key of a tenant in one hash slot and multi-key commands or scripts over them work. Keep
   * braces out of the connection's `keyPrefix`: Cluster hashes the first `{...}` of the key.
   * Default false (keys spread over the cluster).
   */
  hashTag?: boolean;
  /** First directory of storage keys. Default `tenants`. */
  storageRoot?: string;
}

/** Keys, paths and room names scoped to one tenant. Every part is checked: none can leave the scope. */
export interface TenantKeys {
  readonly tenantId: string;
  /** A Redis key relative to the app's prefix: `t:acme:a:b` (pass it to `connection.key()`). */
  redis(...parts: string[]): string;
  /** A cache key: `tc:acme:a:b`, apart from `redis()` keys so cache flushes never touch data. */
  cache(...parts: string[]): string;
  /** A storage object key: `tenants/acme/a/b`. Parts may not hold `/`, `\`, `.` or `..`. */
  storage(...parts: string[]): string;
  /** A realtime room name: `t:acme:a:b`. */
  room(...parts: string[]): string;
  /** Whether a key of this kind belongs to this tenant (well-formed, and this tenant's prefix). */
  owns(kind: TenantKeyKind, key: string): boolean;
}

interface KindFormat {
  readonly root: string;
  readonly separator: string;
  readonly path: boolean;
  readonly tagged: boolean;
}

function formats(options: TenantKeyOptions): Record<TenantKeyKind, KindFormat> {
  const storageRoot = options.storageRoot ?? 'tenants';
  const problem = partProblem(storageRoot, '/', true);
  if (problem !== undefined) throw new TypeError(`Invalid storageRoot ${JSON.stringify(storageRoot)}: ${problem}`);
  const tagged = options.hashTag ?? false;
  return {
    redis: { root: 't', separator: ':', path: false, tagged },
    cache: { root: 'tc', separator: ':', path: false, tagged },
    storage: { root: storageRoot, separator: '/', path: true, tagged: false },
    room: { root: 't', separator: ':', path: false, tagged: false },
  };
}

function prefixOf(f: KindFormat, tenantId: string): string {
  return `${f.root}${f.separator}${f.tagged ? `{${tenantId}}` : tenantId}${f.separator}`;
}

/**
 * Keys scoped to a tenant (the current request's when `tenantId` is omitted), so packages and
 * apps never hand-roll prefixes. Throws 400 `TENANT_REQUIRED` when there is no current tenant and
 * none is given, `TENANT_INVALID` for a malformed id and `TENANT_KEY_INVALID` for a part that
 * could leave the scope.
 *
 * @example
 * const keys = tenantKeys();                     // current tenant, e.g. acme
 * await redis.client.incr(redis.key(keys.redis('logins', userId)));   // myapp:t:acme:logins:u1
 * await disk.put(keys.storage('avatars', `${userId}.png`), body);      // tenants/acme/avatars/u1.png
 * if (!keys.owns('storage', fileId)) throw NotFound();                  // another tenant's file: 404
 */
export function tenantKeys(tenantId?: string, options: TenantKeyOptions = {}): TenantKeys {
  const id = assertTenantId(tenantId ?? requireCurrentTenant().id, options.idPattern);
  const f = formats(options);
  const prefixes = {
    redis: prefixOf(f.redis, id),
    cache: prefixOf(f.cache, id),
    storage: prefixOf(f.storage, id),
    room: prefixOf(f.room, id),
  } satisfies Record<TenantKeyKind, string>;
  return Object.freeze({
    tenantId: id,
    redis: (...parts: string[]) => prefixes.redis + joinParts(parts, ':', false),
    cache: (...parts: string[]) => prefixes.cache + joinParts(parts, ':', false),
    storage: (...parts: string[]) => prefixes.storage + joinParts(parts, '/', true),
    room: (...parts: string[]) => prefixes.room + joinParts(parts, ':', false),
    owns(kind: TenantKeyKind, key: string): boolean {
      const fmt = f[kind];
      if (fmt === undefined || typeof key !== 'string' || !key.startsWith(prefixes[kind])) return false;
      return isValidRest(key.slice(prefixes[kind].length), fmt.separator, fmt.path);
    },
  });
}

/** A scoped key taken apart: whose it is and what follows the tenant prefix. */
export interface ParsedTenantKey {
  readonly tenantId: string;
  /** The parts after the tenant prefix. */
  readonly parts: readonly string[];
}

/**
 * Take a scoped key apart, or `undefined` when it is not a well-formed key of that kind (another
 * root, a malformed tenant id, an empty or traversing part). Use the same options that built it.
 *
 * @example
 * parseTenantKey('storage', 'tenants/acme/avatars/u1.png'); // { tenantId: 'acme', parts: ['avatars', 'u1.png'] }
 */
export function parseTenantKey(
  kind: TenantKeyKind,
  key: string,
  options: TenantKeyOptions = {},
): ParsedTenantKey | undefined {
  const f = formats(options)[kind];
  if (f === undefined || typeof key !== 'string') return undefined;
  const head = `${f.root}${f.separator}`;
  if (!key.startsWith(head)) return undefined;
  let at = head.length;
  let tenantId: string;
  if (f.tagged) {
    if (key[at] !== '{') return undefined;
    const close = key.indexOf('}', at);
    if (close < 0 || key[close + 1] !== f.separator) return undefined;
    tenantId = key.slice(at + 1, close);
    at = close + 2;
  } else {
    const end = key.indexOf(f.separator, at);
    if (end < 0) return undefined;
    tenantId = key.slice(at, end);
    at = end + 1;
  }
  if (!isValidTenantId(tenantId, options.idPattern)) return undefined;
  const rest = key.slice(at);
  if (!isValidRest(rest, f.separator, f.path)) return undefined;
  return { tenantId, parts: rest.split(f.separator) };
}

/**
 * Whether `key` is a well-formed key of that kind belonging to `tenantId` (the current tenant when
 * omitted). Answer "not found" when it is not, so another tenant's file id reads as a 404, never
 * as a 403 that would confirm it exists.
 *
 * @example
 * if (!ownsKey('storage', ctx.params.fileId)) throw StorageErrors.FILE_NOT_FOUND();
 */
export function ownsKey(kind: TenantKeyKind, key: string, tenantId?: string, options: TenantKeyOptions = {}): boolean {
  const id = tenantId ?? requireCurrentTenant().id;
  const parsed = parseTenantKey(kind, key, options);
  return parsed !== undefined && parsed.tenantId === id;
}
