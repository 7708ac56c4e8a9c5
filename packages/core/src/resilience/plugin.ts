import * as z from 'zod';
import { definePlugin } from '../kernel/plugin.js';
import { type BreakerOptions, BreakerRegistry, BreakerRegistryToken } from './breaker-registry.js';

const breakerOptionsSchema = z
  .object({
    timeout: z.union([z.number().int().positive(), z.literal(false)]).optional(),
    errorThresholdPercentage: z.number().min(0).max(100).optional(),
    resetTimeout: z.number().int().positive().optional(),
    volumeThreshold: z.number().int().nonnegative().optional(),
    rollingCountTimeout: z.number().int().positive().optional(),
    rollingCountBuckets: z.number().int().positive().optional(),
  })
  .strict();

/** The `resilience` config section. */
export const resilienceConfigSchema = z.object({
  /** Make `/readyz` fail while any breaker is open (default: report it as `degraded`). */
  failReadinessWhenOpen: z.boolean().default(false),
  /** Options for every breaker. */
  defaults: breakerOptionsSchema.default({}),
  /** Options per breaker name; they win over the options given in code. */
  breakers: z.record(z.string(), breakerOptionsSchema).default({}),
});
export type ResilienceConfig = z.output<typeof resilienceConfigSchema>;

/** Code-side options (functions such as `isFailure` cannot come from config). Config wins. */
export interface ResiliencePluginOptions {
  defaults?: BreakerOptions;
  breakers?: Record<string, BreakerOptions>;
}

/**
 * Registers a {@link BreakerRegistry} under `BreakerRegistryToken`, its `circuit_breaker_*` metrics
 * on the app registry and a `circuit-breakers` readiness check; shuts the breakers down on stop.
 *
 * @example
 * app.register(resiliencePlugin);
 * // in another plugin's setup:
 * const breakers = ctx.container.resolve(BreakerRegistryToken);
 */
export const resiliencePlugin = definePlugin<ResiliencePluginOptions | undefined, typeof resilienceConfigSchema>({
  name: 'resilience',
  configSchema: resilienceConfigSchema,
  setup(ctx, options = {}) {
    const overrides: Record<string, BreakerOptions> = { ...options.breakers };
    for (const [name, fromConfig] of Object.entries(ctx.config.breakers)) {
      overrides[name] = { ...overrides[name], ...fromConfig };
    }
    const registry = new BreakerRegistry({
      metrics: ctx.metrics,
      logger: ctx.log,
      defaults: { ...options.defaults, ...ctx.config.defaults },
      overrides,
    });
    ctx.container.register(BreakerRegistryToken, { useValue: registry });
    ctx.addHealthCheck(registry.healthCheck({ failReadinessWhenOpen: ctx.config.failReadinessWhenOpen }));
    ctx.onStop(() => registry.close());
  },
});
