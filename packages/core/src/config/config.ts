/** `Config`: the merged, layered configuration of an app. */

import { inspect } from 'node:util';
import type { z } from 'zod';
import { CoreErrors } from '../errors.js';
import { CONFIG_FILE_ENV, DEFAULT_ENV_PREFIX, envContributions } from './env.js';
import { readConfigFile } from './file.js';
import { type ConfigLayer, type Contribution, contributorsAt, insertContribution } from './layers.js';
import { SecretPaths } from './redact.js';
import { secretPaths } from './secret.js';
import { substituteTree } from './substitute.js';
import {
  type ConfigPath,
  type ConfigTree,
  clonePlain,
  deepFreeze,
  isForbiddenKey,
  isPlainObject,
  mergeTrees,
  splitKey,
  treeAt,
  valueAt,
} from './tree.js';
import { validateSection } from './validate.js';

export type { ConfigLayer } from './layers.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Options of {@link Config.load}. */
export interface ConfigOptions {
  /** App defaults: the lowest layer. */
  defaults?: Record<string, unknown>;
  /** Path to a JSON config file. Default: env `KOAFORGE_CONFIG_FILE` if set, else none. `false` = no file. */
  file?: string | false;
  /** Environment to read (default `process.env`). Also used for `${VAR}` substitution. */
  env?: Record<string, string | undefined>;
  /** Prefix of env keys read into config. Default `'KOAFORGE_'`. */
  envPrefix?: string;
  /** Explicit overrides: the highest layer. */
  overrides?: Record<string, unknown>;
}

/** Where a config value came from; see {@link Config.explain}. */
export interface ConfigExplanation {
  /** The dotted key asked about. */
  key: string;
  /** The merged value, with secrets replaced by `'[REDACTED]'`. */
  value: unknown;
  /** The layer that set it; for an object, the highest layer that contributed to it. */
  layer: ConfigLayer;
  /** The source within that layer: `defaults`, `plugin auth`, `file ./koaforge.json`, `env KOAFORGE_HTTP__PORT`, `overrides`. */
  source: string;
  /** Every other source that also set this key (or, for an object, part of it), lowest first. */
  overridden: Array<{ layer: ConfigLayer; source: string }>;
}

/**
 * The app's configuration, merged from layers (lowest first): `default` → `plugin-default` →
 * `file` → `env` → `override`. Objects merge deeply; arrays and other values are replaced whole.
 * The merged tree is frozen. Secrets (schemas marked with `secret()`, and keys named like
 * `password`, `token`, `apiKey`...) never appear in `redacted()`, `explain()`, `toJSON()`,
 * `util.inspect` or validation errors.
 *
 * @example
 * const config = Config.load({ defaults: { http: { port: 3000 } } });
 * // KOAFORGE_HTTP__PORT=8080 in the environment:
 * config.get<number>('http.port'); // 8080
 * config.explain('http.port'); // { layer: 'env', source: 'env KOAFORGE_HTTP__PORT', ... }
 * const http = config.section('http', z.object({ port: z.number().int() }));
 */
export class Config {
  /** Sorted by layer, then arrival. */
  readonly #contributions: Contribution[];
  readonly #env: Env;
  readonly #secrets = new SecretPaths();
  /** Validated sections, per section name and schema. */
  readonly #sections = new Map<string, WeakMap<z.ZodType, unknown>>();
  #merged: ConfigTree;

  private constructor(contributions: Contribution[], env: Env) {
    this.#contributions = contributions;
    this.#env = env;
    this.#merged = this.#merge();
  }

  /**
   * Load configuration synchronously: reads and parses the file, reads the environment, and
   * substitutes `${VAR}` in defaults, file and overrides. Throws `CONFIG_INVALID` for an unreadable
   * or malformed file and for a `${VAR}` whose variable is unset and has no fallback.
   */
  static load(options: ConfigOptions = {}): Config {
    const env: Env = options.env ?? process.env;
    const contributions: Contribution[] = [];
    const add = (layer: ConfigLayer, source: string, tree: ConfigTree): void =>
      insertContribution(contributions, { layer, source, tree: ingest(tree, env, source) });

    if (options.defaults !== undefined) add('default', 'defaults', options.defaults);
    const file = options.file === undefined ? env[CONFIG_FILE_ENV] : options.file;
    if (typeof file === 'string' && file !== '') add('file', `file ${file}`, readConfigFile(file));
    for (const contribution of envContributions(env, options.envPrefix ?? DEFAULT_ENV_PREFIX)) {
      insertContribution(contributions, contribution);
    }
    if (options.overrides !== undefined) add('override', 'overrides', options.overrides);
    return new Config(contributions, env);
  }

  /**
   * Add a plugin's defaults for its own section (the `plugin-default` layer, above app defaults and
   * below the file). Called by the kernel at boot; `${VAR}` is substituted as in other layers.
   * Drops cached sections, since their input may have changed.
   */
  addPluginDefaults(section: string, defaults: Record<string, unknown>, pluginName: string): void {
    const path = sectionPath(section);
    const source = `plugin ${pluginName}`;
    insertContribution(this.#contributions, {
      layer: 'plugin-default',
      source,
      tree: treeAt(path, substituteTree(clonePlain(defaults), this.#env, source, path)),
    });
    this.#merged = this.#merge();
    this.#sections.clear();
  }

  /**
   * Validate a section with a zod schema and return the parsed value. An absent section is
   * validated as `{}`, so an object schema whose fields all have defaults needs no config at all.
   * Results are cached per section and schema (until `addPluginDefaults` changes the input).
   * Throws `CONFIG_INVALID` naming every failing key, who set it, the rule and the (redacted) value.
   *
   * @example
   * const { port } = config.section('http', z.object({ port: z.number().int().default(3000) }));
   */
  section<S extends z.ZodType>(name: string, schema: S): z.output<S> {
    const path = sectionPath(name);
    let cache = this.#sections.get(name);
    if (cache === undefined) {
      cache = new WeakMap();
      this.#sections.set(name, cache);
    }
    if (cache.has(schema)) return cache.get(schema) as z.output<S>;

    // Learn the schema's secrets first, so the validation error already redacts them.
    const value = valueAt(this.#merged, path);
    this.#secrets.add(path, secretPaths(schema, value));
    const data = validateSection(schema, path, value === undefined ? {} : value, {
      setterAt: (at) => this.#setterAt(at),
      secrets: this.#secrets,
    });
    cache.set(schema, data);
    return data;
  }

  /** The merged value at a dotted key (`'http.bodyLimit'`, `'cors.origins.0'`), or `undefined`. Frozen. */
  get<T = unknown>(key: string): T | undefined {
    const path = splitKey(key);
    return path === undefined ? undefined : (valueAt(this.#merged, path) as T | undefined);
  }

  /** True when the dotted key has a value. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Which layer and source set a key, and which ones it overrode. Works for leaves and objects;
   * `undefined` when the key is not set. The value is redacted when secret.
   *
   * @example
   * config.explain('auth.jwt.secret');
   * // { key: 'auth.jwt.secret', value: '[REDACTED]', layer: 'env',
   * //   source: 'env KOAFORGE_AUTH__JWT__SECRET', overridden: [{ layer: 'file', source: 'file ./koaforge.json' }] }
   */
  explain(key: string): ConfigExplanation | undefined {
    const path = splitKey(key);
    if (path === undefined) return undefined;
    const value = valueAt(this.#merged, path);
    if (value === undefined) return undefined;
    const setters = contributorsAt(this.#contributions, path);
    const winner = setters.at(-1);
    if (winner === undefined) return undefined;
    return {
      key: path.join('.'),
      value: this.#secrets.redact(value, path),
      layer: winner.layer,
      source: winner.source,
      overridden: setters.slice(0, -1).map(({ layer, source }) => ({ layer, source })),
    };
  }

  /** The whole merged tree with secrets replaced by `'[REDACTED]'`. Safe to log. */
  redacted(): Record<string, unknown> {
    return this.#secrets.redact(this.#merged, []) as Record<string, unknown>;
  }

  /** Same as {@link Config.redacted}: `JSON.stringify(config)` never prints a secret. */
  toJSON(): Record<string, unknown> {
    return this.redacted();
  }

  /** `util.inspect` / `console.log` show the redacted tree only. */
  [inspect.custom](_depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    return `Config ${inspectFn(this.redacted(), options)}`;
  }

  #merge(): ConfigTree {
    return deepFreeze(mergeTrees(this.#contributions.map((contribution) => contribution.tree)));
  }

  #setterAt(path: ConfigPath): Contribution | undefined {
    if (valueAt(this.#merged, path) === undefined) return undefined;
    return contributorsAt(this.#contributions, path).at(-1);
  }
}

/** Copy a caller's layer (dropping pollution keys) and substitute `${VAR}` in its strings. */
function ingest(tree: unknown, env: Env, source: string): ConfigTree {
  const copy = clonePlain(tree);
  if (!isPlainObject(copy)) {
    throw CoreErrors.CONFIG_INVALID(`Invalid config: ${source} must be a plain object`, { details: { source } });
  }
  return substituteTree(copy, env, source) as ConfigTree;
}

function sectionPath(name: string): string[] {
  const path = splitKey(name);
  if (path === undefined || path.some(isForbiddenKey)) {
    throw CoreErrors.CONFIG_INVALID(`Invalid config: "${name}" is not a valid section name`, {
      details: { section: name },
    });
  }
  return path;
}
