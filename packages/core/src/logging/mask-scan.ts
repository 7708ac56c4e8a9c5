/**
 * The cheap pre-check that keeps masking near free on the hot path. One pass over the char codes of
 * a string says which families of built-in patterns could possibly match; a string with none of
 * these features (most of an access log: methods, paths, user agents, short numbers, timestamps) is
 * returned untouched without running a single regular expression.
 */

/** An `@`, or its URL-encoded form `%40`: e-mail addresses. */
export const TRIGGER_AT = 1;
/**
 * At least {@link MIN_SECRET_DIGITS} digits joined only by phone/card separators (space, `-`, `(`,
 * `)`, `+`): phone, ID and card numbers. Dots and colons break a run on purpose, so ISO times,
 * IPv4 addresses, versions and durations do not trigger the digit patterns.
 */
export const TRIGGER_DIGITS = 2;
/** An `=`: secrets in URL query strings. */
export const TRIGGER_EQUALS = 4;
/** `eyJ`, the base64url of `{"`: the start of a JWT. */
export const TRIGGER_JWT = 8;

/**
 * The shortest digit pattern we mask: a US SSN (9 digits). E.164 numbers are matched from 9 digits
 * too. 8 would let every `2024-05-01` date through the gate.
 */
export const MIN_SECRET_DIGITS = 9;

/** Shorter strings cannot hold anything the built-in patterns mask. */
const MIN_TRIGGER_LENGTH = 6;

/** Separators allowed inside one digit run before the run is considered broken. */
const MAX_SEPARATORS = 2;

/** Returns the trigger bits present in `text` (0 when no built-in pattern can match). */
export function scanMaskTriggers(text: string): number {
  const length = text.length;
  // Nothing we look for fits in 5 characters ("a@b.co" is the shortest e-mail).
  if (length < MIN_TRIGGER_LENGTH) return 0;
  let found = 0;
  let digits = 0;
  let separators = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    // Letters and everything above them: the bulk of text, one comparison, except the `e` of `eyJ`.
    if (c > 64) {
      if (c === 101 && text.charCodeAt(i + 1) === 121 && text.charCodeAt(i + 2) === 74) found |= TRIGGER_JWT;
      digits = 0;
      separators = 0;
      continue;
    }
    if (c >= 48 && c <= 57) {
      separators = 0;
      if (++digits >= MIN_SECRET_DIGITS) found |= TRIGGER_DIGITS;
      continue;
    }
    // space ( ) + -
    if (c === 32 || c === 40 || c === 41 || c === 43 || c === 45) {
      if (++separators > MAX_SEPARATORS) digits = 0;
      continue;
    }
    digits = 0;
    separators = 0;
    if (c === 64) {
      found |= TRIGGER_AT;
    } else if (c === 61) {
      found |= TRIGGER_EQUALS;
    } else if (c === 37 && text.charCodeAt(i + 1) === 52 && text.charCodeAt(i + 2) === 48) {
      found |= TRIGGER_AT; // %40
    }
  }
  return found;
}
