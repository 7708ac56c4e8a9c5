import { createRequire } from 'node:module';

const own = createRequire(import.meta.url);

/**
 * A dependency loaded on first use instead of at import. ioredis and rate-limiter-flexible cost
 * tens of milliseconds to load and only matter to apps that use Redis; importing them eagerly from
 * `@koaforge/core` would put that on every app's start (the showcase start budget is 300 ms).
 * Use `import type` for their types and this for their values. Other packages pass their own
 * `import.meta.url` as `from`, so the module resolves from where it is their dependency.
 *
 * @example
 * const nodemailer = lazyModule<typeof import('nodemailer')>('nodemailer', import.meta.url);
 * nodemailer().createTransport(url); // loaded here, the first time only
 */
export function lazyModule<T>(id: string, from?: string | URL): () => T {
  // Resolved from the caller's package (`import.meta.url`), whose dependency it is.
  const load = from === undefined ? own : createRequire(from);
  let cached: T | undefined;
  return () => {
    if (cached === undefined) cached = load(id) as T;
    return cached;
  };
}
