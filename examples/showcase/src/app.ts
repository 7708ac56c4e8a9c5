import { authPlugin } from '@koaforge/auth';
import {
  type App,
  type AppOptions,
  type ConfigOptions,
  createApp,
  eventBusPlugin,
  RedisConnectionToken,
  rateLimitPlugin,
  redisPlugin,
} from '@koaforge/core';
import { tenantPlugin } from '@koaforge/tenant';
import { showcaseAuthConfig } from './auth.js';
import { seedPlugin, showcaseUserStore } from './seed.js';
import type { ShowcaseSettings } from './settings.js';
import { mountTenantRoutes, showcaseTenantConfig } from './tenant.js';

/**
 * Build the showcase: the kernel with core defaults (request context, problem+json errors,
 * metrics, access log, health), the event bus, rate limiting, auth and tenants. With `REDIS_URL` the shared
 * Redis connection is registered and every Redis-capable plugin switches to it (sessions,
 * revocations, API keys, MFA, reset tokens, rate-limit counters, events), and so do the showcase's
 * users (`RedisUserStore`): several processes sharing Redis then behave as one app.
 */
export function buildShowcase(settings: ShowcaseSettings, options: AppOptions = {}): App {
  const given = (options.config ?? {}) as ConfigOptions;
  const overrides: Record<string, unknown> = { ...given.overrides };
  if (settings.redisUrl) overrides.redis = { url: settings.redisUrl, keyPrefix: 'showcase:' };
  const defaults: Record<string, unknown> = {
    ...given.defaults,
    auth: showcaseAuthConfig(settings),
    tenant: showcaseTenantConfig(settings),
  };
  const app = createApp({ name: 'showcase', ...options, config: { ...given, defaults, overrides } });
  if (settings.redisUrl) app.register(redisPlugin);
  app.register(eventBusPlugin);
  app.register(rateLimitPlugin);
  // With Redis, users live there too (resolved lazily: the connection is made by redisPlugin's setup).
  const users = settings.redisUrl
    ? showcaseUserStore(settings.seed, () => app.container.resolve(RedisConnectionToken))
    : showcaseUserStore(settings.seed);
  app.register(authPlugin, { users, production: settings.production });
  app.register(tenantPlugin);
  mountTenantRoutes(app);
  if (settings.seed) app.register(seedPlugin);
  return app;
}
