import { pino } from 'pino';
import { applyMasker, type Masker } from './mask.js';
import { type RedactMatcher, type RedactState, stepRedactState } from './redact-matcher.js';
import { REDACT_CENSOR } from './redact-paths.js';

/**
 * Walks what is about to be logged, censoring values at redaction paths and masking personal data in
 * every string, copy-on-write: the caller's object is never mutated, and when nothing needed a change
 * the very same object comes back, so a clean access-log line allocates nothing here.
 */

/** How deep masking looks by default; deeper values are logged as they are (a deliberate cost cap). */
export const MASK_DEPTH = 6;

interface ScrubContext {
  readonly masker: Masker | undefined;
  readonly maxDepth: number;
}

/** Redaction and masking of log objects, bound to one logger's configuration. */
export interface Scrubber {
  /** For pino `formatters.log` and `formatters.bindings`: the top-level object of a line. */
  scrubObject(obj: Record<string, unknown>): Record<string, unknown>;
  /** For `%o`/`%j` interpolation arguments, which pino formats into the message itself. */
  scrubValue(value: unknown): unknown;
  /** For the message: masking only (a message has no paths). */
  maskMessage(message: unknown): unknown;
}

/**
 * Ancestors of the object being walked, by depth, to detect cycles without allocating a `Set` per
 * line. Module-level is safe because a walk is synchronous; slots are cleared on the way back so
 * logged objects are not kept alive.
 */
const ancestors: (object | undefined)[] = [];

function isCycle(value: object, depth: number): boolean {
  for (let i = 0; i < depth; i++) if (ancestors[i] === value) return true;
  return false;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // A `__proto__` own key (JSON.parse makes them) must stay data, never become a prototype switch.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true });
  else target[key] = value;
}

function scrubValue(value: unknown, state: RedactState | undefined, depth: number, ctx: ScrubContext): unknown {
  if (typeof value === 'string') return ctx.masker === undefined ? value : applyMasker(value, ctx.masker);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) {
    // pino's standard shape (type, message, stack with causes, custom fields), then scrubbed like
    // any object: error messages and stacks quote user input ("no account for alice@acme.test").
    const serialized = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
    return scrubObjectAt(serialized, state, depth, ctx);
  }
  if (depth > ctx.maxDepth) return value;
  if (ctx.masker === undefined && state === undefined) return value;
  if (isCycle(value, depth)) return '[Circular]';
  if (Array.isArray(value)) return scrubArray(value, state, depth, ctx);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Date and binary data serialize to timestamps and bytes: nothing to mask, skip the cost.
    if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      // What JSON.stringify would write (URL → href, Koa ctx → summary); keep the original when clean.
      const json: unknown = toJSON.call(value, '');
      if (json !== value) {
        const out =
          typeof json === 'object' && json !== null
            ? scrubResolved(json, state, depth, ctx)
            : scrubValue(json, state, depth, ctx);
        return out === json ? value : out;
      }
    }
  }
  return scrubObjectAt(value as Record<string, unknown>, state, depth, ctx);
}

/** A value produced by `toJSON`: walked without calling `toJSON` again, as JSON.stringify does. */
function scrubResolved(value: object, state: RedactState | undefined, depth: number, ctx: ScrubContext): unknown {
  if (value instanceof Error || depth > ctx.maxDepth || isCycle(value, depth)) return value;
  if (Array.isArray(value)) return scrubArray(value, state, depth, ctx);
  return scrubObjectAt(value as Record<string, unknown>, state, depth, ctx);
}

function scrubArray(
  array: readonly unknown[],
  state: RedactState | undefined,
  depth: number,
  ctx: ScrubContext,
): readonly unknown[] {
  let copy: unknown[] | undefined;
  ancestors[depth] = array;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let next: RedactState | undefined;
    if (state !== undefined) next = state.hasIndexEdges ? stepRedactState(state, String(i)) : state.other;
    const out = next?.censor === true ? REDACT_CENSOR : scrubValue(item, next, depth + 1, ctx);
    if (out !== item) {
      copy ??= array.slice();
      copy[i] = out;
    }
  }
  ancestors[depth] = undefined;
  return copy ?? array;
}

function scrubObjectAt(
  obj: Record<string, unknown>,
  state: RedactState | undefined,
  depth: number,
  ctx: ScrubContext,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  ancestors[depth] = obj;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const value = obj[key];
    if (value === undefined) continue;
    const next = state === undefined ? undefined : stepRedactState(state, key);
    const out = next?.censor === true ? REDACT_CENSOR : scrubValue(value, next, depth + 1, ctx);
    if (out !== value) {
      // Own enumerable keys in order: the same JSON as the original, prototype aside.
      copy ??= { ...obj };
      setOwn(copy, key, out);
    }
  }
  ancestors[depth] = undefined;
  return copy ?? obj;
}

/**
 * Builds the scrubber for one logger. `masker` undefined disables masking (redaction still applies);
 * the walk goes at least as deep as the longest redaction path.
 */
export function createScrubber(matcher: RedactMatcher, masker: Masker | undefined): Scrubber {
  const ctx: ScrubContext = { masker, maxDepth: Math.max(MASK_DEPTH, matcher.depth) };
  const root = matcher.root;
  return {
    scrubObject: (obj) => scrubObjectAt(obj, root, 0, ctx),
    scrubValue: (value) => scrubValue(value, root, 0, ctx),
    maskMessage: (message) =>
      typeof message === 'string' && masker !== undefined ? applyMasker(message, masker) : message,
  };
}
