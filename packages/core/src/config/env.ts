/**
 * The environment layer: `KOAFORGE_HTTP__BODY_LIMIT=2mb` sets `http.bodyLimit`. The prefix is
 * stripped, `__` nests, and each SNAKE_CASE segment becomes camelCase.
 */

import type { Contribution } from './layers.js';
import { type ConfigPath, clonePlain, isForbiddenKey, treeAt } from './tree.js';

/** The variable naming the config file; it configures loading and is never read as a config key. */
export const CONFIG_FILE_ENV = 'KOAFORGE_CONFIG_FILE';

export const DEFAULT_ENV_PREFIX = 'KOAFORGE_';

// One SNAKE_CASE segment. Anything else (empty segments from `___`, punctuation) is not ours: the
// whole variable is ignored rather than guessed at.
const SEGMENT_RE = /^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/;

/** `HTTP__BODY_LIMIT` (after the prefix) → `['http', 'bodyLimit']`; `undefined` when not a config key. */
export function envNameToPath(name: string, prefix: string): string[] | undefined {
  if (!name.startsWith(prefix) || name.length === prefix.length) return undefined;
  const path: string[] = [];
  for (const segment of name.slice(prefix.length).split('__')) {
    if (!SEGMENT_RE.test(segment)) return undefined;
    const key = camelCase(segment);
    if (isForbiddenKey(key)) return undefined;
    path.push(key);
  }
  return path;
}

function camelCase(segment: string): string {
  const [first = '', ...rest] = segment.toLowerCase().split('_');
  return first + rest.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

// Only these JSON kinds are parsed; a JSON string literal (`"x"`) is kept as typed, quotes and all.
const JSON_START_RE = /^[-0-9[{tfn]/;

/**
 * Parse an environment value as JSON when it is a number, boolean, null, array or object; keep it
 * as the original string otherwise. Validation falls back to the raw string when a schema wants one.
 */
export function parseEnvValue(raw: string): unknown {
  const text = raw.trim();
  if (!JSON_START_RE.test(text)) return raw;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'string' ? raw : parsed;
  } catch {
    return raw;
  }
}

/**
 * One contribution per matching variable. Shallower keys come first so that a specific variable
 * (`KOAFORGE_HTTP__PORT`) wins over a JSON object given for its parent (`KOAFORGE_HTTP`).
 */
export function envContributions(env: Readonly<Record<string, string | undefined>>, prefix: string): Contribution[] {
  const found: Array<{ name: string; path: ConfigPath; raw: string }> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || name === CONFIG_FILE_ENV) continue;
    const path = envNameToPath(name, prefix);
    if (path !== undefined) found.push({ name, path, raw });
  }
  found.sort((a, b) => a.path.length - b.path.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return found.map(({ name, path, raw }) => ({
    layer: 'env',
    source: `env ${name}`,
    tree: treeAt(path, clonePlain(parseEnvValue(raw))),
    env: { path, raw },
  }));
}
