import { TenantErrors } from './errors.js';

/**
 * Default shape of a tenant id: lower-case letters, digits, `_` and `-`, starting with a letter or
 * digit, at most 63 characters (fits a DNS label, a Redis key segment and a Postgres setting). One
 * pattern for resolution, key scoping and the Postgres helper, so an id the resolver accepts is
 * always one the keys accept.
 */
export const DEFAULT_TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Characters no tenant id may hold whatever pattern an app configures: they are the separators
 * and delimiters of the scoped keys (`:` Redis, `/` storage, `{}` cluster hash tags, `\` and
 * control characters for paths), so an id holding one could name another tenant's keys.
 */
const STRUCTURAL = /[:/\\{}\s\p{Cc}]/u;

/** A copy without `g`/`y`: those make `test()` stateful, and the pattern is shared by every request. */
export function statelessPattern(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

/** Whether `id` is a tenant id that may scope keys: matches `pattern` and holds no key delimiter. */
export function isValidTenantId(id: unknown, pattern: RegExp = DEFAULT_TENANT_ID_PATTERN): id is string {
  if (typeof id !== 'string' || id === '' || id === '.' || id === '..' || STRUCTURAL.test(id)) return false;
  pattern.lastIndex = 0; // a /g or /y pattern keeps state between tests
  return pattern.test(id);
}

/** `id` when it is a valid tenant id, else 400 `TENANT_INVALID` (the id itself is not echoed). */
export function assertTenantId(id: unknown, pattern?: RegExp): string {
  if (!isValidTenantId(id, pattern)) throw TenantErrors.TENANT_INVALID();
  return id;
}
