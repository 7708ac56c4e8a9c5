import { createToken, currentContext } from '@koaforge/core';
import type { z } from 'zod';
import { TenantErrors } from '../errors.js';
import type { TenantRecord } from '../types.js';
import { isPlainObject, mergeOverrides } from './merge.js';
import { issuesOf, type SettingsIssue, settingsInvalid } from './settings-error.js';

/**
 * The app config as settings read it: core's `Config` fits. `section` (when present) validates the
 * app's own section first, so a broken app config is core's 500 `CONFIG_INVALID`, never blamed on
 * a tenant.
 */
export interface SettingsConfigSource {
  get(key: string): unknown;
  section?<S extends z.ZodType>(name: string, schema: S): z.output<S>;
}

export interface TenantSettingsOptions {
  /** Look a tenant up (the registry's `get`). */
  records: (id: string) => Promise<TenantRecord | undefined>;
  /** The app config whose sections tenants override. Default: none (tenant values over schema defaults). */
  config?: SettingsConfigSource;
  /** Tenants whose settings stay cached; past it the oldest is dropped. Default 10 000. */
  maxCachedTenants?: number;
}

/** Options of {@link TenantSettings.validateSettings}. */
export interface ValidateSettingsOptions {
  /** Accept sections that have no schema (kept as given). Default false: an unknown section is invalid. */
  allowUnknownSections?: boolean;
}

/** The app's per-tenant settings (registered by the tenant plugin). */
export const TenantSettingsToken = createToken<TenantSettings>('TenantSettings');

type SchemaCache = WeakMap<z.ZodType, Promise<unknown>>;

/**
 * Per-tenant config: an app config section with the tenant record's `settings[section]` on top,
 * validated by the same zod schema as the app's, cached per tenant, section and schema.
 *
 * @example
 * const Uploads = z.object({ maxBytes: z.number().int().positive().default(10_000_000) });
 * const settings = new TenantSettings({ config: app.config, records: (id) => registry.get(id) });
 * const { maxBytes } = await settings.get('uploads', Uploads); // the current tenant's value
 * settings.invalidate('acme'); // after acme's record changed
 */
export class TenantSettings {
  readonly #records: TenantSettingsOptions['records'];
  readonly #config: SettingsConfigSource | undefined;
  readonly #max: number;
  readonly #cache = new Map<string, Map<string, SchemaCache>>();

  constructor(options: TenantSettingsOptions) {
    this.#records = options.records;
    this.#config = options.config;
    this.#max = options.maxCachedTenants ?? 10_000;
  }

  /**
   * The section for a tenant (the current request's when omitted). Throws 400 `TENANT_REQUIRED`
   * without a tenant, 404 `TENANT_NOT_FOUND` for an unknown one, 400 `TENANT_CONFIG_INVALID` when
   * its overrides break the schema.
   */
  get<S extends z.ZodType>(section: string, schema: S, tenantId?: string): Promise<z.output<S>> {
    const id = tenantId ?? currentContext()?.tenant?.id;
    if (id === undefined) return Promise.reject(TenantErrors.TENANT_REQUIRED());
    let sections = this.#cache.get(id);
    if (sections === undefined) {
      sections = new Map();
      this.#cache.set(id, sections);
      if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    let schemas = sections.get(section);
    if (schemas === undefined) {
      schemas = new WeakMap();
      sections.set(section, schemas);
    }
    const cached = schemas.get(schema);
    if (cached !== undefined) return cached as Promise<z.output<S>>;
    const loading = this.#load(id, section, schema);
    schemas.set(schema, loading);
    // A failed load is not kept: the next call tries again (the record may have been fixed).
    loading.catch(() => {
      if (this.#cache.get(id)?.get(section)?.get(schema) === loading) schemas.delete(schema);
    });
    return loading;
  }

  /** Forget the cached settings of one tenant (its record changed), or of every tenant. */
  invalidate(tenantId?: string): void {
    if (tenantId === undefined) this.#cache.clear();
    else this.#cache.delete(tenantId);
  }

  /**
   * Validate one section's overrides before saving them (with the app's section under them, as
   * `get` will read them). Returns the effective value; throws 400 `TENANT_CONFIG_INVALID` naming
   * every failing key, never the values.
   */
  validate<S extends z.ZodType>(section: string, schema: S, overrides: unknown): z.output<S> {
    const result = this.#parse(section, schema, overrides);
    if (!result.ok) throw settingsInvalid(result.issues);
    return result.value;
  }

  /**
   * Validate a whole `settings` object before saving it: each section against its schema, every
   * failing key of every section in one error. Unknown sections are invalid unless allowed.
   *
   * @example
   * settings.validateSettings(body.settings, { uploads: Uploads, branding: Branding });
   * await registry.update(id, { settings: body.settings });
   * settings.invalidate(id);
   */
  validateSettings(
    candidate: unknown,
    schemas: Readonly<Record<string, z.ZodType>>,
    options: ValidateSettingsOptions = {},
  ): Record<string, unknown> {
    if (!isPlainObject(candidate)) {
      throw settingsInvalid([{ key: '(settings)', message: 'Settings must be an object of sections' }]);
    }
    const issues: SettingsIssue[] = [];
    const out: Record<string, unknown> = {};
    for (const [section, overrides] of Object.entries(candidate)) {
      const schema = Object.hasOwn(schemas, section) ? schemas[section] : undefined;
      if (schema === undefined) {
        if (options.allowUnknownSections) out[section] = overrides;
        else issues.push({ key: section, message: 'Unknown settings section' });
        continue;
      }
      const result = this.#parse(section, schema, overrides);
      if (result.ok) out[section] = result.value;
      else issues.push(...result.issues);
    }
    if (issues.length > 0) throw settingsInvalid(issues);
    return out;
  }

  async #load<S extends z.ZodType>(id: string, section: string, schema: S): Promise<z.output<S>> {
    const record = await this.#records(id);
    if (record === undefined) throw TenantErrors.TENANT_NOT_FOUND();
    const overrides = record.settings?.[section];
    return this.validate(section, schema, overrides);
  }

  #parse<S extends z.ZodType>(
    section: string,
    schema: S,
    overrides: unknown,
  ): { ok: true; value: z.output<S> } | { ok: false; issues: SettingsIssue[] } {
    const config = this.#config;
    // The app's own section first: core validates (and caches) it and blames the config layer.
    const appValue = config?.section !== undefined ? config.section(section, schema) : undefined;
    if (overrides === undefined && appValue !== undefined) return { ok: true, value: appValue };
    const base = config?.get(section);
    const merged = mergeOverrides(base === undefined ? {} : base, overrides);
    const result = schema.safeParse(merged);
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, issues: issuesOf(section, result.error.issues) };
  }
}
