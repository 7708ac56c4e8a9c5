/**
 * Permissions are `resource:action` strings. Either part may be `*`, and `*` alone means every
 * permission (`*:*`). Resources may be dotted (`billing.invoices:read`). A pattern is parsed once
 * and cached, so a check on a hot route never splits a string again.
 */

/**
 * What a parsed permission or pattern matches: `exact` (`users:write`), `anyAction` (`files:*`),
 * `anyResource` (`*:read`) or `everything` (`*`, `*:*`).
 */
export type PermissionKind = 'exact' | 'anyAction' | 'anyResource' | 'everything';

export interface ParsedPermission {
  /** The canonical text: `*:*` is written `*`. */
  readonly text: string;
  readonly resource: string;
  readonly action: string;
  readonly kind: PermissionKind;
}

const PART = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const MAX_LENGTH = 200;
const MAX_CACHED = 10_000;
const cache = new Map<string, ParsedPermission>();

function invalid(text: string, why: string): TypeError {
  return new TypeError(
    `Invalid permission ${JSON.stringify(text)}: ${why} (expected "resource:action", "*" wildcards)`,
  );
}

function parseUncached(text: string): ParsedPermission {
  if (typeof text !== 'string') throw invalid(String(text), 'not a string');
  if (text.length === 0 || text.length > MAX_LENGTH) throw invalid(text, `length must be 1..${MAX_LENGTH}`);
  if (text === '*') return { text: '*', resource: '*', action: '*', kind: 'everything' };
  const colon = text.indexOf(':');
  if (colon < 0 || colon !== text.lastIndexOf(':')) throw invalid(text, 'exactly one ":" is needed');
  const resource = text.slice(0, colon);
  const action = text.slice(colon + 1);
  for (const part of [resource, action]) {
    if (part !== '*' && !PART.test(part)) throw invalid(text, `"${part}" is not a name or "*"`);
  }
  if (resource === '*' && action === '*') return { text: '*', resource, action, kind: 'everything' };
  const kind = resource === '*' ? 'anyResource' : action === '*' ? 'anyAction' : 'exact';
  return { text, resource, action, kind };
}

/**
 * Parse and validate a permission or pattern; throws `TypeError` naming it when malformed.
 * Results are cached (bounded), so calling it per check costs one Map lookup.
 */
export function parsePermission(text: string): ParsedPermission {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const parsed = parseUncached(text);
  // Permissions come from code and config, so the set is small; the bound only stops a caller that
  // feeds request data into checks from growing the cache without limit.
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/** True when `text` is a well-formed permission or pattern. */
export function isPermission(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    parsePermission(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pattern` grants everything `wanted` asks for (`files:*` covers `files:read` and `files:*`). */
export function covers(pattern: ParsedPermission, wanted: ParsedPermission): boolean {
  return (
    (pattern.resource === '*' || pattern.resource === wanted.resource) &&
    (pattern.action === '*' || pattern.action === wanted.action)
  );
}

/** Whether some permission matches both (`files:delete` overlaps `files:*` and `*:delete`). */
export function overlaps(a: ParsedPermission, b: ParsedPermission): boolean {
  return (
    (a.resource === '*' || b.resource === '*' || a.resource === b.resource) &&
    (a.action === '*' || b.action === '*' || a.action === b.action)
  );
}

/** The widest pattern both cover (`files:*` ∩ `*:read` = `files:read`), or undefined when disjoint. */
export function intersect(a: ParsedPermission, b: ParsedPermission): ParsedPermission | undefined {
  if (!overlaps(a, b)) return undefined;
  const resource = a.resource === '*' ? b.resource : a.resource;
  const action = a.action === '*' ? b.action : a.action;
  return parsePermission(resource === '*' && action === '*' ? '*' : `${resource}:${action}`);
}
