import { BUILTIN_TRIGGERS, DEFAULT_MASK_PATTERNS, type MaskPattern } from './mask-patterns.js';
import { scanMaskTriggers } from './mask-scan.js';

interface CompiledPattern {
  readonly regex: RegExp;
  /** Built once per pattern so applying it allocates no closure per string. */
  readonly replace: (match: string) => string;
  /** Pre-check bits that must be present; 0 = always run (user patterns). */
  readonly trigger: number;
}

/** Masking patterns prepared for repeated use. */
export interface Masker {
  readonly patterns: readonly CompiledPattern[];
  /** Some pattern runs without a pre-check, so no string can be skipped up front. */
  readonly hasUngated: boolean;
}

const compiled = new WeakMap<readonly MaskPattern[], Masker>();

/** Prepares `patterns` once (cached per array) for {@link applyMasker}. */
export function compileMasker(patterns: readonly MaskPattern[]): Masker {
  const known = compiled.get(patterns);
  if (known !== undefined) return known;
  const list = patterns.map((p): CompiledPattern => {
    const regex = p.pattern.global ? p.pattern : new RegExp(p.pattern.source, `${p.pattern.flags}g`);
    return { regex, replace: (match: string) => p.mask(match), trigger: BUILTIN_TRIGGERS.get(p) ?? 0 };
  });
  const masker: Masker = { patterns: list, hasUngated: list.some((p) => p.trigger === 0) };
  compiled.set(patterns, masker);
  return masker;
}

/**
 * Masks `text` with a compiled masker. Returns `text` itself when nothing matched, so callers can
 * detect "unchanged" with `===` and skip copying the object that held it.
 */
export function applyMasker(text: string, masker: Masker): string {
  const found = scanMaskTriggers(text);
  if (found === 0 && !masker.hasUngated) return text;
  let out = text;
  for (const p of masker.patterns) {
    if (p.trigger !== 0 && (p.trigger & found) === 0) continue;
    // test() first: on the common negative it allocates nothing, unlike replace().
    p.regex.lastIndex = 0;
    if (!p.regex.test(out)) continue;
    out = out.replace(p.regex, p.replace);
  }
  return out === text ? text : out;
}

/**
 * Masks personal data and secrets in a piece of text: e-mail addresses, phone numbers, national ID
 * and card numbers, JWTs and credentials in URL query strings (see {@link DEFAULT_MASK_PATTERNS}).
 * Returns the same string when nothing needed masking.
 *
 * @example
 * ```ts
 * maskText('mail alice@acme.test or call +14155552671');
 * // 'mail a***@acme.test or call +*******2671'
 * ```
 */
export function maskText(text: string, patterns: readonly MaskPattern[] = DEFAULT_MASK_PATTERNS): string {
  return applyMasker(text, compileMasker(patterns));
}
