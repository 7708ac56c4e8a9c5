import { AuthErrors } from '../errors.js';

export interface ReturnToOptions {
  /**
   * Absolute URLs the user may be sent back to after signing in, matched exactly after URL
   * normalisation (`https://app.example.com/welcome`). An entry ending in `/*` allows every path
   * under it on that origin (`https://app.example.com/*`, `https://app.example.com/account/*`).
   * Default: none (only same-origin paths).
   */
  allowed?: readonly string[];
  /** Accept same-origin paths such as `/dashboard?tab=1`. Default true. */
  allowRelative?: boolean;
  /** Where to go when no return target is given. Default `/`. Must itself pass the policy. */
  defaultReturnTo?: string;
}

/** Validates a raw `returnTo` and answers the normalised target to redirect to. */
export type ReturnToValidator = (raw: unknown) => string;

const MAX_LENGTH = 2048;
/**
 * Only printable ASCII, no backslash. Browsers treat `\` as `/` in special URLs (`/\evil.test` is
 * `//evil.test`), strip tabs and newlines inside URLs, and ignore leading spaces and controls.
 */
const FORBIDDEN_CHAR = /[^\x21-\x5b\x5d-\x7e]/;
/**
 * Encoded slash, backslash, percent (double encoding) and controls: harmless to a browser in a path,
 * but a proxy or framework that decodes before redirecting would turn them into the tricks above.
 */
const FORBIDDEN_ESCAPE = /%(?:2f|5c|25|[01][0-9a-f]|7f)/i;
const ABSOLUTE = /^https?:\/\//i;
/** Any base works for resolving paths; a reserved name makes a leak to another origin obvious. */
const PATH_BASE = 'https://return-to.invalid';

interface Allowed {
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly { origin: string; path: string }[];
}

function parseAllowed(entries: readonly string[]): Allowed {
  const exact = new Set<string>();
  const prefixes: { origin: string; path: string }[] = [];
  for (const entry of entries) {
    const wildcard = entry.endsWith('/*');
    const url = parseAbsolute(wildcard ? entry.slice(0, -1) : entry);
    if (url === undefined || url.search !== '' || (wildcard && url.hash !== '')) {
      throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth returnTo allow-list entry "${entry}" is not an absolute http(s) URL`);
    }
    if (wildcard) prefixes.push({ origin: url.origin, path: url.pathname });
    else exact.add(url.href);
  }
  return { exact, prefixes };
}

/** An absolute http(s) URL without user info, or undefined. */
function parseAbsolute(raw: string): URL | undefined {
  // `https:evil.test` and `https:/evil.test` parse as absolute URLs but browsers resolve the
  // scheme-relative forms differently: demand the two slashes in the raw text.
  if (!ABSOLUTE.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  // `https://app.example.com@evil.test/` is evil.test with a user name; no legitimate target has one.
  if (url.username !== '' || url.password !== '') return undefined;
  return url;
}

function relativeTarget(raw: string): string | undefined {
  // `//evil.test` is scheme-relative: another origin.
  if (!raw.startsWith('/') || raw.startsWith('//')) return undefined;
  let url: URL;
  try {
    url = new URL(raw, PATH_BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== PATH_BASE) return undefined;
  const target = url.pathname + url.search + url.hash;
  // Dot segments can collapse into a scheme-relative path: `/..//evil.test` normalises to `//evil.test`.
  return target.startsWith('//') ? undefined : target;
}

function absoluteTarget(raw: string, allowed: Allowed): string | undefined {
  const url = parseAbsolute(raw);
  if (url === undefined) return undefined;
  if (allowed.exact.has(url.href)) return url.href;
  for (const prefix of allowed.prefixes) {
    if (url.origin === prefix.origin && url.pathname.startsWith(prefix.path)) return url.href;
  }
  return undefined;
}

/**
 * Build the post-login redirect policy: same-origin paths (unless disabled) and an exact
 * allow-list of absolute URLs. Everything else (other origins, `//evil.test`, `/\evil.test`,
 * `https:evil.test`, encoded slashes, user-info tricks, `javascript:`) is `AUTH_OAUTH_REDIRECT_INVALID`.
 * The answer is the normalised URL, never the raw input.
 *
 * @example
 * const returnTo = createReturnToValidator({ allowed: ['https://app.example.com/*'] });
 * returnTo('/settings'); // '/settings'
 * returnTo('//evil.test'); // throws AUTH_OAUTH_REDIRECT_INVALID
 */
export function createReturnToValidator(options: ReturnToOptions = {}): ReturnToValidator {
  const allowed = parseAllowed(options.allowed ?? []);
  const allowRelative = options.allowRelative ?? true;

  const check = (raw: string): string | undefined => {
    if (raw.length > MAX_LENGTH || FORBIDDEN_CHAR.test(raw) || FORBIDDEN_ESCAPE.test(raw)) return undefined;
    if (raw.startsWith('/')) return allowRelative ? relativeTarget(raw) : undefined;
    return absoluteTarget(raw, allowed);
  };

  const fallback = check(options.defaultReturnTo ?? '/');
  if (fallback === undefined) {
    throw AuthErrors.AUTH_CONFIG_INVALID('OAuth defaultReturnTo does not pass the returnTo policy');
  }

  return (raw) => {
    if (raw === undefined || raw === '') return fallback;
    const target = typeof raw === 'string' ? check(raw) : undefined;
    if (target === undefined) throw AuthErrors.AUTH_OAUTH_REDIRECT_INVALID();
    return target;
  };
}
