import { CoreErrors } from '../errors.js';
import { httpConfigSchema } from '../kernel/app-config.js';
import { definePlugin, type PluginContext } from '../kernel/plugin.js';
import { RedisConnectionToken } from '../redis/connection.js';
import { policyFromConfig, type RateLimitConfig, rateLimitConfigSchema } from './config.js';
import { RateLimiter, RateLimiterToken } from './limiter.js';
import { MemoryRateLimitStore } from './memory-store.js';
import type { RateLimitPolicy } from './policy.js';
import { RedisRateLimitStore } from './redis-store.js';
import { type RateLimitStore, RateLimitStoreToken } from './store.js';

/** Code-side options: what config cannot say (key and cost functions, predicates, your own store). */
export interface RateLimitPluginOptions {
  /** Policies applied to every request (phase `limit`), after config `global`. */
  global?: Array<RateLimitPolicy | string>;
  /** Named policies for route guards, beside config `policies`. */
  policies?: RateLimitPolicy[];
  /** A store of your own; wins over config `store`. */
  store?: RateLimitStore;
}

/** `http.trustProxyHops`: the kernel's trusted-proxy setting, shared with tenant and auth. */
function trustedProxyHops(ctx: PluginContext<RateLimitConfig>): number {
  return ctx.appConfig.section('http', httpConfigSchema).trustProxyHops;
}

function chooseStore(ctx: PluginContext<RateLimitConfig>): RateLimitStore {
  const { store } = ctx.config;
  const hasRedis = ctx.container.isRegistered(RedisConnectionToken);
  if (store === 'memory' || (store === 'auto' && !hasRedis)) return new MemoryRateLimitStore();
  if (!hasRedis) {
    throw CoreErrors.CONFIG_INVALID(
      "ratelimit.store is 'redis' but no Redis connection is registered: register redisPlugin (or set store to 'auto' or 'memory')",
    );
  }
  return new RedisRateLimitStore({
    connection: ctx.container.resolve(RedisConnectionToken),
    onStoreDown: ctx.config.onStoreDown,
    timeoutMs: ctx.config.storeTimeoutMs,
    probeIntervalMs: ctx.config.probeIntervalMs,
    insuranceShare: ctx.config.insuranceShare,
    logger: ctx.log,
    metrics: ctx.metrics,
  });
}

/**
 * Rate limiting on the kernel: builds the store (memory, or Redis through the app's shared
 * connection), a {@link RateLimiter} with the `ratelimit` config section's policies, registers
 * both (`RateLimiterToken`, `RateLimitStoreToken`), applies the `global` policies to every request
 * in phase `limit` (after tenant and authentication, so they can key by tenant or principal) except
 * on `exemptPaths` (health and metrics routes by default), and
 * adds a non-critical `ratelimit-store` readiness check that reports `degraded` while Redis is down.
 *
 * @example
 * app.register(redisPlugin);
 * app.register(rateLimitPlugin, { global: [{ name: 'per-ip', limit: 300, window: '1m' }] });
 * // a route guard in another plugin's setup:
 * const limiter = ctx.container.resolve(RateLimiterToken);
 * ctx.router.post('/login', limiter.middleware({ name: 'login', limit: 5, window: '1m' }), login);
 */
export const rateLimitPlugin = definePlugin<RateLimitPluginOptions | undefined, typeof rateLimitConfigSchema>({
  name: 'ratelimit',
  optionalDependsOn: ['redis'],
  configSchema: rateLimitConfigSchema,
  setup(ctx, options = {}) {
    const store = options.store ?? chooseStore(ctx);
    const limiter = new RateLimiter({
      store,
      metrics: ctx.metrics,
      trustedProxyHops: trustedProxyHops(ctx),
      ipv6Prefix: ctx.config.ipv6Prefix,
      headers: ctx.config.headers,
    });
    for (const [name, policy] of Object.entries(ctx.config.policies)) limiter.define(policyFromConfig(name, policy));
    for (const policy of options.policies ?? []) limiter.define(policy);
    ctx.container.register(RateLimiterToken, { useValue: limiter });
    ctx.container.register(RateLimitStoreToken, { useValue: store });

    const global = [...ctx.config.global, ...(options.global ?? [])];
    if (global.length > 0) {
      const limit = limiter.middleware(...global);
      const exempt = new Set(ctx.config.exemptPaths);
      ctx.use(
        exempt.size === 0
          ? limit
          : function rateLimitMiddleware(c, next) {
              return exempt.has(c.path) ? next() : limit(c, next);
            },
        { phase: 'limit' },
      );
    }

    ctx.addHealthCheck({
      name: 'ratelimit-store',
      critical: false,
      check: () =>
        store.healthy
          ? { status: 'ok', details: { store: store.kind } }
          : { status: 'degraded', details: { store: store.kind, onStoreDown: ctx.config.onStoreDown } },
    });
    ctx.onStop(() => store.close());
    ctx.log.debug({ store: store.kind, policies: limiter.policies, global }, 'rate limiting ready');
  },
});
