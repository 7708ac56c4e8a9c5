import { authPlugin } from '@koaforge/auth';
import {
  type App,
  type AppOptions,
  type ConfigOptions,
  createApp,
  eventBusPlugin,
  rateLimitPlugin,
  redisPlugin,
} from '@koaforge/core';
import { showcaseAuthConfig } from './auth.js';
import { seedPlugin, showcaseUserStore } from './seed.js';
import type { ShowcaseSettings } from './settings.js';

/**
 * Build the showcase: the kernel with core defaults (request context, problem+json errors,
 * metrics, access log, health), the event bus, rate limiting and auth. With `REDIS_URL` the shared
 * Redis connection is registered and every Redis-capable plugin switches to it (sessions,
 * revocations, API keys, MFA, reset tokens, rate-limit counters, events).
 */
export function buildShowcase(settings: ShowcaseSettings, options: AppOptions = {}): App {
  const given = (options.config ?? {}) as ConfigOptions;
  const overrides: Record<string, unknown> = { ...given.overrides };
  if (settings.redisUrl) overrides.redis = { url: settings.redisUrl, keyPrefix: 'showcase:' };
  const defaults: Record<string, unknown> = { ...given.defaults, auth: showcaseAuthConfig(settings) };
  const app = createApp({ name: 'showcase', ...options, config: { ...given, defaults, overrides } });
  if (settings.redisUrl) app.register(redisPlugin);
  app.register(eventBusPlugin);
  app.register(rateLimitPlugin);
  app.register(authPlugin, { users: showcaseUserStore(settings.seed), production: settings.production });
  if (settings.seed) app.register(seedPlugin);
  return app;
}
