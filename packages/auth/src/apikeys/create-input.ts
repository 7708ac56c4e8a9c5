import { CoreErrors } from '@koaforge/core';
import { parsePermission } from '../rbac/permission.js';

/** What a caller asks for. Anything else in the body (an `ownerId`, a `tenantId`) is ignored. */
export interface CreateApiKeyInput {
  /** 1-100 printable characters. */
  name: string;
  /** Permission patterns (`files:read`, `files:*`); at least one. */
  scopes: readonly string[];
  /** ISO-8601 time, in the future. */
  expiresAt?: string;
  /** Alternative to `expiresAt`. */
  expiresInSeconds?: number;
}

export interface ValidCreateInput {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expiresAt: string | undefined;
}

function invalid(field: string, message: string): Error {
  return CoreErrors.VALIDATION_FAILED(message, { details: { field } });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Check a create request; throws `VALIDATION_FAILED` (422) naming the field. */
export function validateCreateInput(
  input: unknown,
  limits: { now: number; maxScopes: number; maxLifetimeMs: number | undefined },
): ValidCreateInput {
  if (typeof input !== 'object' || input === null) throw invalid('body', 'The body must be an object');
  const { name, scopes, expiresAt, expiresInSeconds } = input as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100 || CONTROL.test(name)) {
    throw invalid('name', 'name must be 1-100 printable characters');
  }
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.length > limits.maxScopes) {
    throw invalid('scopes', `scopes must be a list of 1-${limits.maxScopes} permissions`);
  }
  const canonical = new Set<string>();
  for (const s of scopes) {
    try {
      canonical.add(parsePermission(s as string).text);
    } catch {
      throw invalid('scopes', `${JSON.stringify(String(s)).slice(0, 80)} is not a permission ("resource:action")`);
    }
  }
  let expiresMs: number | undefined;
  if (expiresAt !== undefined && expiresInSeconds !== undefined) {
    throw invalid('expiresAt', 'give expiresAt or expiresInSeconds, not both');
  }
  if (expiresAt !== undefined) {
    expiresMs = typeof expiresAt === 'string' && expiresAt.length <= 40 ? Date.parse(expiresAt) : Number.NaN;
    if (!Number.isFinite(expiresMs)) throw invalid('expiresAt', 'expiresAt must be an ISO-8601 time');
  } else if (expiresInSeconds !== undefined) {
    if (typeof expiresInSeconds !== 'number' || !Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
      throw invalid('expiresInSeconds', 'expiresInSeconds must be a whole number ≥ 1');
    }
    expiresMs = limits.now + expiresInSeconds * 1000;
  }
  if (expiresMs !== undefined && expiresMs <= limits.now) throw invalid('expiresAt', 'expiresAt must be in the future');
  if (limits.maxLifetimeMs !== undefined) {
    if (expiresMs === undefined || expiresMs > limits.now + limits.maxLifetimeMs) {
      throw invalid('expiresAt', `keys must expire within ${limits.maxLifetimeMs / 1000} s`);
    }
  }
  return {
    name: name.trim(),
    scopes: [...canonical],
    expiresAt: expiresMs === undefined ? undefined : new Date(expiresMs).toISOString(),
  };
}
