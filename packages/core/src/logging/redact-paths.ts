/** The value written in place of a redacted field. */
export const REDACT_CENSOR = '[REDACTED]';

/**
 * Credential headers. A logged `authorization`, `cookie` or `x-api-key` lets anyone who can read the
 * logs replay the caller's session or key; `set-cookie` on a response is a freshly minted session.
 * Incoming Node headers are lower-case, but headers built by user code or HTTP clients (axios,
 * undici errors carry `config.headers`) keep their spelling, so the usual capitalisations are listed
 * too. Matching is exact: a path engine that lower-cases every key would cost an allocation per key.
 */
const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'Authorization',
  'Proxy-Authorization',
  'Cookie',
  'Set-Cookie',
  'X-Api-Key',
  'X-API-Key',
];

/**
 * Where header objects sit in what we log: `req`/`res` of the access log, a bare `headers`, one
 * level down for any other wrapper (`request.headers`, `err.headers`), two levels down for HTTP
 * client errors (`err.config.headers`, `err.response.headers`). `header` is Koa's alias, which is
 * what `ctx.request.toJSON()` returns when someone logs `{ request: ctx.request }`.
 */
const HEADER_CONTAINERS: readonly string[] = [
  'req.headers',
  'res.headers',
  'headers',
  '*.headers',
  '*.*.headers',
  'header',
  '*.header',
  '*.*.header',
];

/**
 * Keys whose value is a secret wherever they appear: credentials a reader of the logs could use
 * directly (passwords, bearer and refresh tokens, client secrets, API keys, one-time codes and MFA
 * recovery codes) or use offline (password hashes, private keys). OAuth token responses use
 * snake_case, so both spellings are listed. `code` is deliberately absent: it is our error-code
 * field (`AUTH_TOKEN_EXPIRED`) and must stay readable.
 */
const SECRET_KEYS: readonly string[] = [
  'password',
  'newPassword',
  'currentPassword',
  'new_password',
  'current_password',
  'passwordHash',
  'password_hash',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'access_token',
  'refresh_token',
  'id_token',
  'secret',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'privateKey',
  'private_key',
  'otp',
  'totp',
  'recoveryCode',
  'recoveryCodes',
  'recovery_code',
  'recovery_codes',
];

function buildDefaultRedactPaths(): string[] {
  const paths: string[] = [];
  for (const container of HEADER_CONTAINERS) {
    for (const header of SECRET_HEADERS) paths.push(`${container}["${header}"]`);
  }
  // Top level, and one and two levels down (`user.password`, `req.body.password`): fast-redact
  // wildcards match exactly one segment, so each depth needs its own path.
  for (const key of SECRET_KEYS) paths.push(key, `*.${key}`, `*.*.${key}`);
  return paths;
}

/**
 * Paths (pino/fast-redact syntax) whose values are replaced by `'[REDACTED]'` in every log line:
 * credential headers under `req.headers`, `res.headers`, `headers` and wrappers of them, and secret
 * keys (password, token, secret, apiKey, otp, recovery codes, …) at the top level and one or two
 * levels down. Extra paths given to {@link createLogger} are added to these.
 *
 * These paths are applied by koaforge's own compiled matcher, not by pino's `redact` option: with
 * this many wildcard paths pino 10's redactor costs tens of microseconds per line. Do not pass this
 * list to `pino({ redact })` directly.
 *
 * @example
 * ```ts
 * DEFAULT_REDACT_PATHS.includes('*.password'); // true
 * ```
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = Object.freeze(buildDefaultRedactPaths());
