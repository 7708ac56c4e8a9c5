/**
 * `${VAR}` substitution in string values: `${VAR}` → the variable, `${VAR:-fallback}` → the
 * fallback when the variable is unset or empty, `$${VAR}` → the literal text `${VAR}`.
 */

import { CoreErrors } from '../errors.js';
import { isPlainObject } from './tree.js';

const PLACEHOLDER_RE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Substitute placeholders in every string of `value` (a tree already copied by `clonePlain`).
 * Throws `CONFIG_INVALID` naming the key and the variable when a variable without fallback is unset,
 * so a missing secret fails at load instead of becoming the literal text `${JWT_SECRET}`.
 */
export function substituteTree(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  source: string,
  path: readonly string[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, source, path);
  if (Array.isArray(value)) return value.map((item, i) => substituteTree(item, env, source, [...path, String(i)]));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = substituteTree(child, env, source, [...path, key]);
  return out;
}

function substituteString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  source: string,
  path: readonly string[],
): string {
  if (!text.includes('${')) return text;
  return text.replace(
    PLACEHOLDER_RE,
    (match: string, escaped: string, name: string, fallback: string | undefined): string => {
      if (escaped === '$') return match.slice(1);
      const found = env[name];
      if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
      if (found !== undefined) return found;
      const key = path.join('.');
      throw CoreErrors.CONFIG_INVALID(
        `Invalid config: ${key} (set by ${source}) uses \${${name}}, but ${name} is not set and has no fallback`,
        { details: { key, variable: name, source } },
      );
    },
  );
}
