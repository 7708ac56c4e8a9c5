import { type App, type AppOptions, type ConfigOptions, createApp, redisPlugin } from '@koaforge/core';
import type { ShowcaseSettings } from './settings.js';

/**
 * Build the showcase: the kernel with core defaults (request context, problem+json errors,
 * metrics, access log, health). With `REDIS_URL` the shared Redis connection is registered and
 * every Redis-capable plugin switches to it. Each package's issue registers its plugin here.
 */
export function buildShowcase(settings: ShowcaseSettings, options: AppOptions = {}): App {
  const given = (options.config ?? {}) as ConfigOptions;
  const overrides: Record<string, unknown> = { ...given.overrides };
  if (settings.redisUrl) overrides.redis = { url: settings.redisUrl, keyPrefix: 'showcase:' };
  const app = createApp({ name: 'showcase', ...options, config: { ...given, overrides } });
  if (settings.redisUrl) app.register(redisPlugin);
  return app;
}
