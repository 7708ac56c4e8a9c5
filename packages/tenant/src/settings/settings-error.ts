import type { z } from 'zod';
import { TenantErrors } from '../errors.js';

/** One failing key of tenant settings, as the problem details show it. */
export interface SettingsIssue {
  /** Dotted key from the section name: `uploads.maxBytes`. */
  key: string;
  /** The rule broken, in zod's words (it names types and bounds, never the value given). */
  message: string;
}

function keyOf(section: string, path: readonly PropertyKey[]): string {
  return [section, ...path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p)))].join('.');
}

/** Issues of a zod failure, keyed from the section. Values are left out: settings hold secrets. */
export function issuesOf(section: string, issues: readonly z.core.$ZodIssue[]): SettingsIssue[] {
  return issues.map((issue) => ({ key: keyOf(section, issue.path), message: issue.message }));
}

/** 400 `TENANT_CONFIG_INVALID` naming every failing key. */
export function settingsInvalid(issues: readonly SettingsIssue[]): Error {
  const keys = [...new Set(issues.map((i) => i.key))];
  return TenantErrors.TENANT_CONFIG_INVALID(`The tenant settings are invalid at ${keys.join(', ')}`, {
    details: { issues },
  });
}
