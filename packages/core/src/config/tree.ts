/**
 * Plain-data helpers for config trees: copying, merging, reading and writing by path. Config trees
 * hold plain objects, arrays and leaves; anything else (a client instance passed in overrides, a
 * function) is kept as an opaque leaf.
 */

/** A path of keys from the config root, e.g. `['http', 'bodyLimit']`. */
export type ConfigPath = readonly string[];

export type ConfigTree = Record<string, unknown>;

/**
 * Keys a file or environment must never create: assigning them through a naive merge reaches
 * `Object.prototype` (prototype pollution) or shadows it in surprising ways.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

export function isPlainObject(value: unknown): value is ConfigTree {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Copy plain objects and arrays, dropping forbidden keys and `undefined` members. Layers are copied
 * on the way in so merging and freezing never touch the caller's objects, and `JSON.parse` output
 * (which makes `__proto__` an own key) is made safe in the same pass.
 */
export function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (!isPlainObject(value)) return value;
  const out: ConfigTree = {};
  for (const [key, child] of Object.entries(value)) {
    if (isForbiddenKey(key) || child === undefined) continue;
    out[key] = clonePlain(child);
  }
  return out;
}

/** Merge trees left to right into a new tree: objects merge deeply, arrays and leaves replace. */
export function mergeTrees(trees: readonly ConfigTree[]): ConfigTree {
  const out: ConfigTree = {};
  for (const tree of trees) mergeInto(out, tree);
  return out;
}

function mergeInto(target: ConfigTree, source: ConfigTree): void {
  for (const [key, value] of Object.entries(source)) {
    if (isForbiddenKey(key) || value === undefined) continue;
    if (isPlainObject(value)) {
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      // `current` was built by this merge (never a caller's object), so extending it is safe.
      const next = isPlainObject(current) ? current : {};
      mergeInto(next, value);
      target[key] = next;
    } else {
      target[key] = value;
    }
  }
}

const INDEX_RE = /^(?:0|[1-9]\d*)$/;

/** The value at `path`, walking own keys of plain objects and indexes of arrays only. */
export function valueAt(root: unknown, path: ConfigPath): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node)) {
      if (!INDEX_RE.test(segment)) return undefined;
      node = node[Number(segment)];
    } else if (isPlainObject(node)) {
      if (!Object.hasOwn(node, segment)) return undefined;
      node = node[segment];
    } else {
      return undefined;
    }
  }
  return node;
}

/** A tree holding `value` at `path`, e.g. `treeAt(['a', 'b'], 1)` is `{ a: { b: 1 } }`. */
export function treeAt(path: ConfigPath, value: unknown): ConfigTree {
  const [head, ...rest] = path;
  if (head === undefined) return isPlainObject(value) ? value : {};
  let node: unknown = value;
  for (let i = rest.length - 1; i >= 0; i--) node = { [rest[i] as string]: node };
  return { [head]: node };
}

/**
 * A copy of `root` with `value` at `path`, copying only the objects along the path. Returns `root`
 * unchanged when the path runs through something other than a plain object.
 */
export function withValueAt(root: unknown, path: ConfigPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (!isPlainObject(root)) return root;
  const child = Object.hasOwn(root, head) ? root[head] : undefined;
  if (rest.length > 0 && !isPlainObject(child)) return root;
  return { ...root, [head]: withValueAt(child, rest, value) };
}

/** Split a dotted key; `undefined` for an empty key or an empty segment (`a..b`). */
export function splitKey(key: string): string[] | undefined {
  const path = key.split('.');
  return path.every((segment) => segment.length > 0) ? path : undefined;
}

/** Freeze plain objects and arrays in place; opaque leaves (class instances) are left alone. */
export function deepFreeze<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
    Object.freeze(value);
  } else if (isPlainObject(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
