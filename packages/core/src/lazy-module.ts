import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A dependency loaded on first use instead of at import. ioredis and rate-limiter-flexible cost
 * tens of milliseconds to load and only matter to apps that use Redis; importing them eagerly from
 * `@koaforge/core` would put that on every app's start (the showcase start budget is 300 ms).
 * Use `import type` for their types and this for their values.
 */
export function lazyModule<T>(id: string): () => T {
  let cached: T | undefined;
  return () => {
    if (cached === undefined) cached = load(id) as T;
    return cached;
  };
}
