/** Marking schemas as secret, and finding where a schema holds secrets. */

import * as z from 'zod';

interface SecretMeta {
  // At least one key is required: zod registries drop an empty meta object when a clone (`.min()`,
  // `.describe()`) inherits from its parent.
  secret: true;
  minBytes?: number;
}

type SecretRegistry = z.core.$ZodRegistry<SecretMeta>;

/**
 * A registry of our own rather than `.meta()`: a later `.meta({...})` by the user cannot unmark a
 * secret, and our marks stay out of JSON Schema output. It lives on `globalThis` under a
 * `Symbol.for` key so that two installed copies of `@koaforge/core` (common in monorepos) agree
 * on which schemas are secret.
 */
const REGISTRY_KEY: unique symbol = Symbol.for('koaforge.config.secretRegistry');
const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: SecretRegistry };
const registry: SecretRegistry = holder[REGISTRY_KEY] ?? z.registry<SecretMeta>();
holder[REGISTRY_KEY] = registry;

/**
 * Mark a schema as secret: its value is shown as `[REDACTED]` by `redacted()`, `explain()`,
 * `toJSON()`, `util.inspect` and validation errors. With `minBytes`, a string (or byte array) value
 * must be at least that many bytes in UTF-8 — the error says "must be at least N bytes" and never
 * shows the value. Wrap it further as usual (`.optional()`, `.default()`); the mark is found through
 * wrappers, objects, arrays, records and unions.
 *
 * @example
 * const AuthConfig = z.object({
 *   jwt: z.object({ secret: secret(z.string(), { minBytes: 32 }), ttl: z.string().default('15m') }),
 * });
 */
export function secret<S extends z.ZodType>(schema: S, options: { minBytes?: number } = {}): S {
  const { minBytes } = options;
  if (minBytes === undefined) {
    // Mark a copy: marking `schema` itself would make every other use of a shared schema
    // (`const NonEmpty = z.string().min(1)`) secret too.
    const marked = schema.clone();
    registry.add(marked, { secret: true });
    return marked;
  }
  if (!Number.isInteger(minBytes) || minBytes < 0) {
    throw new TypeError(`secret(): minBytes must be a non-negative integer, got ${minBytes}`);
  }
  const checked = schema.refine(
    (value: unknown) => {
      const size = byteLength(value);
      return size === undefined || size >= minBytes;
    },
    { message: `must be at least ${minBytes} bytes` },
  );
  registry.add(checked, { secret: true, minBytes });
  return checked;
}

/** UTF-8 length for strings, length for byte arrays, `undefined` for anything else (not checked). */
function byteLength(value: unknown): number | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.byteLength;
  return undefined;
}

/** True when `schema` (or the schema it was derived from by `.min()`, `.describe()`...) was marked by `secret()`. */
export function isSecretSchema(schema: z.core.$ZodType): boolean {
  return registry.get(schema) !== undefined;
}

/** Wildcard segment in a secret path: any key of a record, any index of an array. */
export const ANY_SEGMENT = '*';

/**
 * Paths (relative to the schema) whose values are secret, e.g. `[['jwt', 'secret'], ['keys', '*']]`.
 * A path covers everything under it. `value` (the section's data) guides the walk through recursive
 * (`z.lazy`) schemas, whose secret paths are only finite for finite data.
 */
export function secretPaths(schema: z.core.$ZodType, value?: unknown): string[][] {
  const found: string[][] = [];
  const walk = (
    node: z.core.$ZodType,
    path: string[],
    data: unknown,
    branch: ReadonlySet<z.core.$ZodType>,
    atPath: ReadonlySet<z.core.$ZodType>,
  ): void => {
    if (isSecretSchema(node)) {
      found.push(path);
      return;
    }
    // A schema may contain itself (z.lazy). Without data to follow, stop at the first repeat; with
    // data, stop only when it repeats without descending (`z.lazy(() => self)`).
    if (atPath.has(node) || (data === undefined && branch.has(node))) return;
    const nextBranch = new Set(branch).add(node);
    const nextAtPath = new Set(atPath).add(node);
    for (const [child, segment] of childSchemas(node)) {
      if (segment === undefined) {
        walk(child, path, data, nextBranch, nextAtPath);
        continue;
      }
      if (segment === ANY_SEGMENT && data !== null && typeof data === 'object') {
        // Concrete keys too, so recursion inside elements is followed through the data.
        for (const [key, item] of Object.entries(data)) walk(child, [...path, key], item, nextBranch, new Set());
      }
      walk(child, [...path, segment], childData(data, segment), nextBranch, new Set());
    }
  };
  walk(schema, [], value, new Set(), new Set());
  return found;
}

function childData(data: unknown, segment: string): unknown {
  if (segment === ANY_SEGMENT || data === null || typeof data !== 'object') return undefined;
  return Object.hasOwn(data, segment) ? (data as Record<string, unknown>)[segment] : undefined;
}

/** The schemas inside `node`, with the key they sit under (`undefined` for wrappers at the same path). */
function childSchemas(node: z.core.$ZodType): Array<[z.core.$ZodType, string | undefined]> {
  const def = (node as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape).map(([key, child]): [z.core.$ZodType, string] => [child, key]);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'nonoptional':
    case 'readonly':
      return [[def.innerType, undefined]];
    case 'pipe':
      return [
        [def.in, undefined],
        [def.out, undefined],
      ];
    case 'array':
      return [[def.element, ANY_SEGMENT]];
    case 'record':
      return [[def.valueType, ANY_SEGMENT]];
    case 'tuple': {
      const items = def.items.map((child, i): [z.core.$ZodType, string] => [child, String(i)]);
      return def.rest ? [...items, [def.rest, ANY_SEGMENT]] : items;
    }
    case 'union':
      return def.options.map((child): [z.core.$ZodType, undefined] => [child, undefined]);
    case 'intersection':
      return [
        [def.left, undefined],
        [def.right, undefined],
      ];
    case 'lazy':
      return [[def.getter(), undefined]];
    default:
      return [];
  }
}
