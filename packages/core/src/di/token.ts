/**
 * A typed DI token. The phantom `__type` carries `T` so `container.resolve(token)` is typed without
 * decorator metadata (esbuild-based tools such as tsx and Vitest do not emit it).
 */
export interface Token<T> {
  readonly key: symbol;
  readonly name: string;
  /** Phantom: never set at run time. */
  readonly __type?: T;
}

/**
 * Create a typed token. Tokens are compared by identity of their symbol; two calls with the same
 * name make two different tokens. Contracts shared between packages (e.g. `AuthenticatorToken`) are
 * made with `Symbol.for` so that two installed copies of core still agree on them.
 *
 * @example
 * export const MailerToken = createToken<Mailer>('Mailer');
 */
export function createToken<T>(name: string, options: { global?: boolean } = {}): Token<T> {
  const key = options.global ? Symbol.for(`koaforge.token:${name}`) : Symbol(name);
  return Object.freeze({ key, name, toString: () => `Token(${name})` }) as Token<T>;
}
