// The public surface of @koaforge/core. Nothing else is exported.

// Config
export { Config, type ConfigExplanation, type ConfigLayer, type ConfigOptions, secret } from './config/index.js';
// Request context
export {
  currentContext,
  currentRequestId,
  RequestContext,
  type RequestContextOptions,
  requestContext,
  runWithContext,
} from './context/request-context.js';
export { generateRequestId, isSaneRequestId } from './context/request-id.js';
export { type AuthenticationInput, type Authenticator, AuthenticatorToken } from './contracts/authenticator.js';
// Contracts shared between packages
export type { Principal, TenantRef } from './contracts/principal.js';

// DI
export { Container, type Provider, type Scope } from './di/container.js';
export { disposerOf } from './di/disposer.js';
export { createToken, type Token } from './di/token.js';
export { type ErrorBoundaryOptions, errorBoundary } from './errors/boundary.js';

// Errors
export {
  createError,
  defineErrors,
  type ErrorCatalogue,
  type ErrorFactory,
  type ErrorOptions,
  type ErrorSpec,
  hasErrorCode,
  isKoaforgeError,
  KoaforgeError,
  type KoaforgeErrorLike,
} from './errors/catalogue.js';
export { normalizeError, type ProblemDocument, toProblem } from './errors/problem.js';
export { type CoreErrorCode, CoreErrors } from './errors.js';
export type { DropReason, EventEnvelope } from './events/envelope.js';
// Events
export {
  defineEvent,
  type EventDefinition,
  type EventHandler,
  type EventMeta,
  type EventPayload,
} from './events/event.js';
export { EventBus, type EventBusOptions, EventBusToken, type OnceOptions } from './events/event-bus.js';
export { MemoryEventHub, MemoryEventTransport } from './events/memory-transport.js';
export { type EventsConfig, eventBusPlugin, eventsConfigSchema } from './events/plugin.js';
export { RedisEventTransport, type RedisEventTransportOptions } from './events/redis-transport.js';
export type { EventTransport, TransportSink } from './events/transport.js';
// Health
export {
  type CheckReport,
  type CheckStatus,
  type HealthCheck,
  type HealthCheckResult,
  HealthRegistry,
  type ReadinessPhase,
  type ReadinessReport,
} from './health/health-registry.js';
export { type HealthRoutesOptions, healthRoutes, livenessHandler, readinessHandler } from './health/health-routes.js';
export { type AccessLogOptions, AccessLogWriter, accessLog } from './http/access-log.js';
// HTTP
export { type BodyParserOptions, bodyParser } from './http/body-parser.js';
export { type ClientIpOptions, clientIp, type IpKeyOptions, ipKey, normalizeIp } from './http/client-ip.js';
export { jsonBodies } from './http/json-body.js';
export { observeRequests } from './http/observe.js';
export { normalizeHost, type RequestHostOptions, requestHost } from './http/request-host.js';
export { routeFallback, unroutedAnswer } from './http/route-fallback.js';
// Kernel
export { App, createApp } from './kernel/app.js';
export { type HttpConfig, httpConfigSchema, type LogConfig, logConfigSchema } from './kernel/app-config.js';
export type { AppFeatures, AppOptions, AppState, BootReport, PluginReport } from './kernel/app-types.js';
export { PHASES, type Phase } from './kernel/phases.js';
export {
  definePlugin,
  type HookOptions,
  isPlugin,
  type Plugin,
  type PluginContext,
  type PluginDefinition,
} from './kernel/plugin.js';
export { ConfigToken, ContainerToken, HealthToken, LoggerToken, MetricsToken } from './kernel/tokens.js';
export { lazyModule } from './lazy-module.js';
// Logging
export {
  createLogger,
  DEFAULT_MASK_PATTERNS,
  DEFAULT_REDACT_PATHS,
  flushLogger,
  type Logger,
  type LoggerOptions,
  type MaskPattern,
  maskText,
} from './logging/index.js';
export { FastHistogram, type LatencySeries } from './metrics/fast-histogram.js';
export {
  DEFAULT_HTTP_BUCKETS,
  HttpMetrics,
  type HttpMetricsOptions,
  httpMetrics,
  routeLabel,
} from './metrics/http-metrics.js';
export { metricsHandler } from './metrics/metrics-route.js';
// Metrics
export { createMetricsRegistry, type MetricsRegistryOptions } from './metrics/registry.js';
export {
  type MetricsRegistry,
  type SharedMetricOptions,
  sharedCounter,
  sharedGauge,
} from './metrics/shared-metric.js';
// Rate limiting
export { BruteForceGuard, type BruteForceGuardOptions, type BruteForceState } from './ratelimit/brute-force.js';
export { type RateLimitConfig, rateLimitConfigSchema } from './ratelimit/config.js';
export type { RateLimitHeaderOptions } from './ratelimit/headers.js';
export {
  type RateLimitDecision,
  RateLimiter,
  type RateLimiterOptions,
  RateLimiterToken,
} from './ratelimit/limiter.js';
export { MemoryRateLimitStore } from './ratelimit/memory-store.js';
export { type RateLimitPluginOptions, rateLimitPlugin } from './ratelimit/plugin.js';
export type {
  RateLimitAllowList,
  RateLimitKeyFn,
  RateLimitKeyKind,
  RateLimitPolicy,
  RateLimitWindow,
} from './ratelimit/policy.js';
export { RedisRateLimitStore, type RedisRateLimitStoreOptions, type StoreDownMode } from './ratelimit/redis-store.js';
export { type RateLimitMiddlewareOptions, rateLimit } from './ratelimit/route-guard.js';
export {
  type RateLimitStore,
  RateLimitStoreToken,
  type WindowCounter,
  type WindowSpec,
  type WindowState,
} from './ratelimit/store.js';
export type { WindowInput } from './ratelimit/window.js';
export { type RedisConfig, redisConfigSchema } from './redis/config.js';
// Redis
export {
  type RedisClient,
  type RedisConnection,
  RedisConnectionToken,
  type RedisConnectOptions,
  type RedisPingOptions,
} from './redis/connection.js';
export { createRedisConnection } from './redis/create-connection.js';
export { type RedisHealthCheckOptions, redisHealthCheck } from './redis/health.js';
export { REDIS_COMMAND_BUCKETS } from './redis/metrics.js';
export {
  DEFAULT_REDIS_URL,
  REDIS_DEFAULTS,
  type ReconnectOptions,
  type RedisClusterOptions,
  type RedisConnectionOptions,
  type RedisEndpoint,
  type RedisLogger,
  type RedisSentinelOptions,
} from './redis/options.js';
export { redisPlugin } from './redis/plugin.js';
export { type RedisScript, withScripts } from './redis/scripts.js';
export { redisIsDown } from './redis/status.js';
// Resilience
export {
  BREAKER_EVENTS,
  BREAKER_STATE,
  type BreakerEvent,
  DEFAULT_BREAKER_BUCKETS,
} from './resilience/breaker-metrics.js';
export {
  type BreakerHealthOptions,
  type BreakerOptions,
  BreakerRegistry,
  type BreakerRegistryOptions,
  BreakerRegistryToken,
  type BreakerState,
  type BreakerSummary,
  breakerState,
  defaultIsFailure,
  isRegistryBreaker,
} from './resilience/breaker-registry.js';
export type { CircuitOpenError, UpstreamStatusError } from './resilience/errors.js';
export {
  type ResilienceConfig,
  type ResiliencePluginOptions,
  resilienceConfigSchema,
  resiliencePlugin,
} from './resilience/plugin.js';
export {
  type BreakerRef,
  type ResilientCallOptions,
  type RetryInfo,
  type RetryOptions,
  resilientCall,
} from './resilience/resilient-call.js';
export { type ResilientFetchOptions, resilientFetch } from './resilience/resilient-fetch.js';
export {
  type BackoffOptions,
  backoffDelay,
  isNetworkError,
  isRetryableError,
  parseRetryAfter,
} from './resilience/retry.js';
