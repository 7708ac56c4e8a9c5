/** Validating one config section with zod, and turning failures into one readable error. */

import type { z } from 'zod';
import type { KoaforgeError } from '../errors/catalogue.js';
import { CoreErrors } from '../errors.js';
import type { Contribution } from './layers.js';
import type { SecretPaths } from './redact.js';
import { type ConfigPath, valueAt, withValueAt } from './tree.js';

/** What validation needs to know about where values came from. */
export interface SectionSources {
  /** The contribution whose value the merged tree shows at `path`; `undefined` when the key is not set. */
  setterAt(path: ConfigPath): Contribution | undefined;
  readonly secrets: SecretPaths;
}

interface RawCandidate {
  /** Path inside the section. */
  relative: string[];
  raw: string;
}

interface Attempt {
  issues: z.core.$ZodIssue[];
  input: unknown;
}

/**
 * Validate `input` (the merged value at `sectionPath`) against `schema`. Throws `CONFIG_INVALID`
 * naming every failing key, who set it and the rule it broke.
 */
export function validateSection<S extends z.ZodType>(
  schema: S,
  sectionPath: ConfigPath,
  input: unknown,
  sources: SectionSources,
): z.output<S> {
  const first = schema.safeParse(input);
  if (first.success) return first.data;

  // Env values arrive JSON-parsed, so `KOAFORGE_DB__PASSWORD=123456` is the number 123456. Where
  // the schema rejected exactly a value an env var set, retry with the variable's raw text: a
  // numeric-looking password or a port the schema wants as a string must still work.
  const candidates = rawCandidates(first.error.issues, sectionPath, input, sources);
  let failure: Attempt = { issues: first.error.issues, input };
  if (candidates.length > 0) {
    const second = attemptWithRaw(schema, input, candidates);
    if (second.success) return second.data;
    // Keep only the substitutions that helped; report against the original values otherwise.
    const kept = candidates.filter((c) => !second.issues.some((issue) => samePath(issuePath(issue), c.relative)));
    if (kept.length === candidates.length) {
      failure = second;
    } else if (kept.length > 0) {
      const third = attemptWithRaw(schema, input, kept);
      if (third.success) return third.data;
      failure = third;
    }
  }
  throw invalidConfig(failure, sectionPath, sources);
}

type AttemptResult<T> = ({ success: true; data: T } & Partial<Attempt>) | ({ success: false } & Attempt);

function attemptWithRaw<S extends z.ZodType>(
  schema: S,
  input: unknown,
  candidates: readonly RawCandidate[],
): AttemptResult<z.output<S>> {
  let patched = input;
  for (const { relative, raw } of candidates) patched = withValueAt(patched, relative, raw);
  const result = schema.safeParse(patched);
  return result.success
    ? { success: true, data: result.data }
    : { success: false, issues: result.error.issues, input: patched };
}

function rawCandidates(
  issues: readonly z.core.$ZodIssue[],
  sectionPath: ConfigPath,
  input: unknown,
  sources: SectionSources,
): RawCandidate[] {
  const found = new Map<string, RawCandidate>();
  for (const issue of issues) {
    const relative = issuePath(issue);
    const env = sources.setterAt([...sectionPath, ...relative])?.env;
    if (env === undefined || !samePath(env.path, [...sectionPath, ...relative])) continue;
    if (typeof valueAt(input, relative) === 'string') continue; // already the raw text
    found.set(JSON.stringify(relative), { relative, raw: env.raw });
  }
  return [...found.values()];
}

function invalidConfig(failure: Attempt, sectionPath: ConfigPath, sources: SectionSources): KoaforgeError {
  const described = failure.issues.map((issue) => describeIssue(issue, sectionPath, failure.input, sources));
  return CoreErrors.CONFIG_INVALID(`Invalid config: ${described.map((d) => d.text).join('; ')}`, {
    details: { issues: described.map((d) => d.detail) },
  });
}

function describeIssue(
  issue: z.core.$ZodIssue,
  sectionPath: ConfigPath,
  input: unknown,
  sources: SectionSources,
): { text: string; detail: Record<string, unknown> } {
  const relative = issuePath(issue);
  const path = [...sectionPath, ...relative];
  const key = path.join('.');
  const setter = sources.setterAt(path);
  // zod's own prefix says nothing the rest of the message does not.
  const rule = issue.message.replace(/^Invalid input: /, '');
  const detail: Record<string, unknown> = { key, path, code: issue.code, message: rule };
  // Only the fields we pick: a zod issue may carry the input itself (`reportInput`, custom issues).
  let where = 'not set';
  if (setter !== undefined) {
    where = `set by ${setter.source}`;
    detail.layer = setter.layer;
    detail.source = setter.source;
    const value = valueAt(input, relative);
    if (!sources.secrets.covers(path) && value !== undefined) {
      const shown = sources.secrets.redact(value, path);
      where += `, value ${preview(shown)}`;
      detail.value = shown;
    }
  }
  return { text: `${key} (${where}): ${rule}`, detail };
}

const PREVIEW_MAX = 80;

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX - 1)}…` : text;
}

function issuePath(issue: z.core.$ZodIssue): string[] {
  return issue.path.map((segment) => (typeof segment === 'symbol' ? segment.toString() : String(segment)));
}

function samePath(a: ConfigPath, b: ConfigPath): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}
