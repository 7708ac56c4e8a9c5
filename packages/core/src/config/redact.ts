/** Deciding which config paths are secret, and hiding their values. */

import { ANY_SEGMENT } from './secret.js';
import { type ConfigPath, isPlainObject } from './tree.js';

/** What a secret value is shown as. */
export const REDACTED = '[REDACTED]';

/**
 * Key names that are secret whatever their schema says. Deliberately broad (`tokenTtl` matches):
 * showing a harmless value as `[REDACTED]` costs a look at the file; printing a real secret into
 * logs costs a rotation.
 */
const SECRET_KEY_RE = /(secret|password|passwd|token|apikey|api_key|privatekey|private_key|credential)/i;

/** The secret paths of one config: key names always, plus paths from schemas marked with `secret()`. */
export class SecretPaths {
  readonly #patterns: string[][] = [];
  readonly #known = new Set<string>();

  /** Add schema-derived paths (relative to `prefix`, the section's path). */
  add(prefix: ConfigPath, relative: readonly string[][]): void {
    for (const path of relative) {
      const full = [...prefix, ...path];
      const id = JSON.stringify(full);
      if (this.#known.has(id)) continue;
      this.#known.add(id);
      this.#patterns.push(full);
    }
  }

  /** True when the value at `path` (or any value above it) is secret. */
  covers(path: ConfigPath): boolean {
    if (path.some((segment) => SECRET_KEY_RE.test(segment))) return true;
    return this.#patterns.some(
      (pattern) =>
        pattern.length <= path.length && pattern.every((segment, i) => segment === ANY_SEGMENT || segment === path[i]),
    );
  }

  /** `value` (found at `path`) with every secret inside it replaced by `[REDACTED]`. */
  redact(value: unknown, path: ConfigPath): unknown {
    if (value === undefined) return undefined;
    if (this.covers(path)) return REDACTED;
    if (Array.isArray(value)) return value.map((item, i) => this.redact(item, [...path, String(i)]));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = this.redact(child, [...path, key]);
    return out;
  }
}
