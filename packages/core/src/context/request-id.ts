import { randomUUID } from 'node:crypto';

/**
 * Incoming ids are accepted only when short and made of safe characters: they go into logs and
 * response headers, so anything else (control characters, huge values) is replaced.
 */
const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function isSaneRequestId(value: string | undefined): value is string {
  return value !== undefined && SANE_ID.test(value);
}

/** Node's randomUUID draws from a cached entropy pool: about 50 ns per id. */
export function generateRequestId(): string {
  return randomUUID();
}
