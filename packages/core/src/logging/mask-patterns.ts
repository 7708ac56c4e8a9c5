import { TRIGGER_AT, TRIGGER_DIGITS, TRIGGER_EQUALS, TRIGGER_JWT } from './mask-scan.js';

/**
 * A masking rule: every match of `pattern` in a logged string is replaced by `mask(match)`.
 *
 * `pattern` must have the global flag (a pattern without it is compiled with it added). Keep it
 * linear: it runs over attacker-controlled text (URLs, headers, bodies), so anchor starts with a
 * lookbehind and avoid nested quantifiers that can backtrack. `mask` may return `match` unchanged to
 * reject a candidate (the card pattern does so when the Luhn check fails).
 *
 * @example
 * ```ts
 * const orderSecret: MaskPattern = {
 *   name: 'order-secret',
 *   pattern: /\bosk_[A-Za-z0-9]{24}\b/g,
 *   mask: () => 'osk_[REDACTED]',
 * };
 * createLogger({ mask: [...DEFAULT_MASK_PATTERNS, orderSecret] });
 * ```
 */
export interface MaskPattern {
  /** Short name for docs and tests, e.g. `'email'`. */
  readonly name: string;
  /** What to find; global flag. */
  readonly pattern: RegExp;
  /** The replacement for one match. */
  mask(match: string): string;
}

/**
 * Which pre-check bits must be present for a built-in pattern to possibly match. Keyed by identity:
 * a user pattern, even one copied from a built-in and edited, is never gated by a guess.
 */
export const BUILTIN_TRIGGERS = new WeakMap<MaskPattern, number>();

function builtin(trigger: number, pattern: MaskPattern): MaskPattern {
  BUILTIN_TRIGGERS.set(pattern, trigger);
  return Object.freeze(pattern);
}

/** Replaces every digit but the last `keep` with `*`, keeping separators so the shape stays readable. */
function maskDigitsKeepLast(text: string, keep: number): string {
  let remaining = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) remaining++;
  }
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      out += remaining > keep ? '*' : ch;
      remaining--;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Luhn (ISO/IEC 7812-1) over the digits of `text`. */
export function passesLuhn(text: string): boolean {
  let sum = 0;
  let double = false;
  let count = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    count++;
  }
  return count > 0 && sum % 10 === 0;
}

/**
 * E-mail addresses, including the URL-encoded `%40` form seen in query strings. Keeps the first
 * character and the domain (`alice@acme.test` → `a***@acme.test`): enough to tell tenants and
 * typos apart, not enough to contact or enumerate the person. A fixed `***` hides the length.
 * `icon@2x.png`-style asset names are excluded.
 */
export const EMAIL_PATTERN: MaskPattern = builtin(TRIGGER_AT, {
  name: 'email',
  pattern: /(?<![\w.+-])[\w.+-]+(?:@|%40)(?!\d+(?:\.\d+)?x\.)(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g,
  mask(match) {
    const at = match.indexOf('@');
    const sep = at === -1 ? match.indexOf('%40') : at;
    return `${match[0] ?? ''}***${match.slice(sep)}`;
  },
});

/**
 * JSON Web Tokens in free text ("invalid token eyJ…"). A JWT is a bearer credential until it
 * expires and its payload is personal data; the header (algorithm, key id) stays for debugging.
 */
export const JWT_PATTERN: MaskPattern = builtin(TRIGGER_JWT, {
  name: 'jwt',
  pattern: /(?<![\w-])eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g,
  mask(match) {
    return `${match.slice(0, match.indexOf('.'))}.[REDACTED]`;
  },
});

/**
 * Credentials in URL query strings, which the access log writes verbatim: password-reset and
 * magic-link `token`s, OAuth `access_token`/`code` (RFC 6749 §10.5: codes must stay confidential),
 * API keys, and signed-URL signatures (S3 `X-Amz-Signature`, Azure `sig`, our storage `signature`)
 * that grant access to a file until they expire.
 */
export const URL_SECRET_PARAM_PATTERN: MaskPattern = builtin(TRIGGER_EQUALS, {
  name: 'url-secret-param',
  pattern:
    /[?&;](?:access_token|refresh_token|id_token|token|api_key|apikey|password|secret|client_secret|code|otp|signature|sig|x-amz-signature|x-goog-signature)=[^&#\s"'<>]+/gi,
  mask(match) {
    return `${match.slice(0, match.indexOf('=') + 1)}[REDACTED]`;
  },
});

/**
 * Chinese resident ID (GB 11643): 6-digit region, birth date, 3-digit sequence, check digit or `X`.
 * The birth-date shape keeps random 18-digit numbers out; the checksum is not verified because a
 * mistyped ID is still personal data. Keeps the last 4 characters.
 */
export const CN_RESIDENT_ID_PATTERN: MaskPattern = builtin(TRIGGER_DIGITS, {
  name: 'cn-resident-id',
  pattern: /(?<!\w)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\w)/g,
  mask(match) {
    return `${'*'.repeat(match.length - 4)}${match.slice(-4)}`;
  },
});

/**
 * Payment card numbers (PCI DSS 3.4: never store the full PAN): 13–19 digits, plain or grouped
 * 4-4-4-4(-3) / Amex 4-6-5, masked only when the Luhn check passes. The first digit must be 2–6
 * (Mastercard 2-series, Amex/Diners/JCB, Visa, Mastercard, Discover/UnionPay), which keeps
 * millisecond timestamps (`17…`) and Chinese mobile numbers out. Keeps the last 4 digits.
 */
export const CARD_NUMBER_PATTERN: MaskPattern = builtin(TRIGGER_DIGITS, {
  name: 'card-number',
  pattern:
    /(?<![\w-])(?:[2-6]\d{12,18}|[2-6]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|3\d{3}([ -])\d{6}\2\d{4,5})(?![\w-])/g,
  mask(match) {
    return passesLuhn(match) ? maskDigitsKeepLast(match, 4) : match;
  },
});

/** US Social Security (and ITIN) numbers, `123-45-6789`. Keeps the last 4 digits. */
export const US_SSN_PATTERN: MaskPattern = builtin(TRIGGER_DIGITS, {
  name: 'us-ssn',
  pattern: /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g,
  mask(match) {
    return maskDigitsKeepLast(match, 4);
  },
});

/**
 * International phone numbers in E.164 form (`+14155552671`), also with single spaces or dashes
 * between digits (`+44 20 7946 0958`): 9–15 digits after the `+`. Keeps the last 4 digits.
 */
export const E164_PHONE_PATTERN: MaskPattern = builtin(TRIGGER_DIGITS, {
  name: 'phone-e164',
  pattern: /(?<![\w+])\+[1-9](?:[ -]?\d){8,14}(?!\w)/g,
  mask(match) {
    return maskDigitsKeepLast(match, 4);
  },
});

/**
 * North American national formats: `(415) 555-2671`, `415-555-2671`, `415 555 2671`. A bare run of
 * 10 digits is not matched: it is more often a Unix timestamp than a phone number. Keeps the last 4.
 */
export const NANP_PHONE_PATTERN: MaskPattern = builtin(TRIGGER_DIGITS, {
  name: 'phone-nanp',
  pattern: /(?<![\w+])(?:\(\d{3}\) ?\d{3}[ -]|\d{3}([ -])\d{3}\1)\d{4}(?![\w-])/g,
  mask(match) {
    return maskDigitsKeepLast(match, 4);
  },
});

/** Chinese mobile numbers, `13812345678` or grouped `138 1234 5678`. Keeps the last 4 digits. */
export const CN_MOBILE_PATTERN: MaskPattern = builtin(TRIGGER_DIGITS, {
  name: 'phone-cn-mobile',
  pattern: /(?<![\w+])1[3-9]\d([ -]?)\d{4}\1\d{4}(?![\w-])/g,
  mask(match) {
    return maskDigitsKeepLast(match, 4);
  },
});

/**
 * The built-in masking patterns, in the order they run: e-mail, JWT, secrets in URL query strings,
 * Chinese resident ID, card number (Luhn-checked), US SSN, E.164 phone, North American phone,
 * Chinese mobile. IDs and cards run before phones so the longer, more specific shape wins.
 *
 * @example
 * ```ts
 * maskText('card 4111 1111 1111 1111', DEFAULT_MASK_PATTERNS); // 'card **** **** **** 1111'
 * ```
 */
export const DEFAULT_MASK_PATTERNS: readonly MaskPattern[] = Object.freeze([
  EMAIL_PATTERN,
  JWT_PATTERN,
  URL_SECRET_PARAM_PATTERN,
  CN_RESIDENT_ID_PATTERN,
  CARD_NUMBER_PATTERN,
  US_SSN_PATTERN,
  E164_PHONE_PATTERN,
  NANP_PHONE_PATTERN,
  CN_MOBILE_PATTERN,
]);
