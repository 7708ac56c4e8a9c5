/** Keys never copied from tenant-supplied settings: they would reach `Object.prototype`. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The app's value with the tenant's overrides on top, the way core merges config layers: plain
 * objects merge key by key, anything else (arrays included) is replaced whole, `undefined` leaves
 * the base alone. Neither input is changed.
 */
export function mergeOverrides(base: unknown, overrides: unknown): unknown {
  if (overrides === undefined) return base;
  if (!isPlainObject(overrides) || !isPlainObject(base)) {
    return isPlainObject(overrides) ? mergeOverrides({}, overrides) : overrides;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) if (!FORBIDDEN.has(key)) out[key] = value;
  for (const [key, value] of Object.entries(overrides)) {
    if (FORBIDDEN.has(key) || value === undefined) continue;
    out[key] = mergeOverrides(out[key], value);
  }
  return out;
}
