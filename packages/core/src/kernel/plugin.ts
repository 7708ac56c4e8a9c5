import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Container } from '../di/container.js';
import type { HealthCheck } from '../health/health-registry.js';
import type { Logger } from '../logging/index.js';
import type { Phase } from './phases.js';

const PLUGIN = Symbol.for('koaforge.plugin');

export interface HookOptions {
  /** Overrides the app's hook timeout for this hook. */
  timeoutMs?: number;
}

/** What a plugin's `setup` gets: everything it may wire, and nothing else. */
export interface PluginContext<C = unknown> {
  /** The plugin's name. */
  readonly name: string;
  /** The app's DI container. Register your services here under typed tokens. */
  readonly container: Container;
  /** A router for this plugin's routes, under its prefix (if any). Mounted after every setup ran. */
  readonly router: Router;
  /** This plugin's config section, validated by its `configSchema`. */
  readonly config: C;
  /** The whole app config (read-only use: `get`, `explain`). */
  readonly appConfig: Config;
  /** A child logger with `{ plugin: name }`. */
  readonly log: Logger;
  /** The app's metrics registry. */
  readonly metrics: Registry;
  /** Add middleware to a named phase of the request pipeline. Default phase: `routes`. */
  use(middleware: Middleware, options?: { phase?: Phase }): void;
  /** Run when the app starts, after every plugin's setup, in dependency order. */
  onStart(fn: () => unknown, options?: HookOptions): void;
  /** Run when the app stops, in exact reverse order of start. */
  onStop(fn: () => unknown, options?: HookOptions): void;
  /** A readiness check shown in `/readyz`. */
  addHealthCheck(check: HealthCheck): void;
}

export interface PluginDefinition<O, S extends z.ZodType | undefined> {
  /** Unique name; also the name of its config section unless `configKey` says otherwise. */
  name: string;
  version?: string;
  /** Plugins that must be registered and set up before this one. */
  dependsOn?: readonly string[];
  /** Plugins set up before this one when they are registered. */
  optionalDependsOn?: readonly string[];
  /** Validates this plugin's config section at boot. */
  configSchema?: S;
  /** Config section name. Default: `name`. */
  configKey?: string;
  /** Defaults for the config section (the `plugin-default` layer). */
  defaults?: Record<string, unknown>;
  /** Route prefix for `ctx.router`. Register options may override it with `{ prefix }`. */
  prefix?: string;
  setup(
    ctx: PluginContext<S extends z.ZodType ? z.output<S> : Record<string, unknown>>,
    options: O,
  ): void | Promise<void>;
}

export type Plugin<O = void, S extends z.ZodType | undefined = z.ZodType | undefined> = Readonly<
  PluginDefinition<O, S>
> & { readonly [PLUGIN]: true };

/**
 * Define a kernel plugin.
 *
 * @example
 * export const greeterPlugin = definePlugin({
 *   name: 'greeter',
 *   configSchema: z.object({ greeting: z.string().default('hello') }),
 *   setup(ctx) {
 *     ctx.router.get('/greet', (c) => { c.body = { text: ctx.config.greeting }; });
 *   },
 * });
 */
export function definePlugin<O = void, S extends z.ZodType | undefined = undefined>(
  definition: PluginDefinition<O, S>,
): Plugin<O, S> {
  if (!definition.name || typeof definition.name !== 'string') throw new TypeError('A plugin needs a name');
  return Object.freeze({ ...definition, [PLUGIN]: true as const });
}

export function isPlugin(value: unknown): value is Plugin<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN] === true;
}
