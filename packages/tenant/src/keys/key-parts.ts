import { TenantErrors } from '../errors.js';

/** Control characters and the Unicode line/paragraph separators: never part of a key. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Longest single part, so a key built from request input stays bounded. */
export const MAX_PART_LENGTH = 512;

/**
 * What is wrong with one part of a scoped key, or `undefined` when nothing is. A part is one
 * segment: it may not hold the separator (so `redis('a:b')` cannot pose as `redis('a', 'b')`, and
 * a storage part cannot add directories), nor be empty, nor be `.` or `..` (path traversal once a
 * disk joins the key to a directory), nor (in storage paths) hold `/` or `\` (a separator on
 * Windows paths and some disks), nor hold control characters.
 */
export function partProblem(part: unknown, separator: string, path: boolean): string | undefined {
  if (typeof part !== 'string') return 'parts must be strings';
  if (part === '') return 'empty part';
  if (part.length > MAX_PART_LENGTH) return `longer than ${MAX_PART_LENGTH} characters`;
  if (part === '.' || part === '..') return '"." and ".." are not allowed';
  if (part.includes(separator)) return `"${separator}" separates parts; pass them as separate arguments`;
  if (path && (part.includes('\\') || part.includes('/'))) return '"/" and "\\" are not allowed in a path';
  if (CONTROL.test(part)) return 'control characters are not allowed';
  return undefined;
}

/** Check every part and join them; at least one part. Throws 400 `TENANT_KEY_INVALID` naming the rule broken. */
export function joinParts(parts: readonly unknown[], separator: string, path: boolean): string {
  if (parts.length === 0) throw TenantErrors.TENANT_KEY_INVALID('Invalid key part: at least one part is needed');
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const problem = partProblem(part, separator, path);
    if (problem !== undefined) throw TenantErrors.TENANT_KEY_INVALID(`Invalid key part: ${problem}`);
    out += i === 0 ? (part as string) : separator + (part as string);
  }
  return out;
}

/** Whether `rest` (what follows the tenant prefix of a key) is made of valid parts. */
export function isValidRest(rest: string, separator: string, path: boolean): boolean {
  if (rest === '') return false;
  for (const part of rest.split(separator)) if (partProblem(part, separator, path) !== undefined) return false;
  return true;
}
