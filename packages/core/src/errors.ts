import { defineErrors } from './errors/catalogue.js';

/** The error catalogue of `@koaforge/core`. Documented in docs/errors.md. */
export const CoreErrors = defineErrors({
  INTERNAL: { status: 500, message: 'Internal server error', title: 'Internal Server Error' },
  BODY_MALFORMED: { status: 400, message: 'The request body is not valid JSON', title: 'Malformed body' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than allowed', title: 'Body too large' },
  BODY_UNSUPPORTED_TYPE: {
    status: 415,
    message: 'The request body has an unsupported content type',
    title: 'Unsupported media type',
  },
  BODY_ENCODING_UNSUPPORTED: {
    status: 415,
    message: 'The request body has an unsupported content encoding or charset',
    title: 'Unsupported encoding',
  },
  BODY_INCOMPLETE: {
    status: 400,
    message: 'The request body ended before its declared length',
    title: 'Incomplete body',
  },
  VALIDATION_FAILED: { status: 422, message: 'The request did not pass validation', title: 'Validation failed' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this path', title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this route', title: 'Method not allowed' },
  METHOD_NOT_IMPLEMENTED: { status: 501, message: 'The method is not implemented', title: 'Not implemented' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    message: 'The service is shutting down',
    title: 'Service unavailable',
    expose: true,
    retryable: true,
  },
  TIMEOUT: { status: 504, message: 'The operation timed out', title: 'Timeout', expose: true, retryable: true },
  REDIS_UNAVAILABLE: {
    status: 503,
    message: 'Redis is unavailable',
    title: 'Redis unavailable',
    expose: true,
    retryable: true,
  },
  CIRCUIT_OPEN: {
    status: 503,
    message: 'The circuit breaker is open',
    title: 'Circuit open',
    expose: true,
    retryable: true,
  },
  UPSTREAM_STATUS: {
    status: 502,
    message: 'The upstream service answered with an error status',
    title: 'Upstream error',
    retryable: true,
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many requests; retry later',
    title: 'Too many requests',
    expose: true,
    retryable: true,
  },
  RATE_LIMIT_UNAVAILABLE: {
    status: 503,
    message: 'Rate limiting is unavailable; retry later',
    title: 'Rate limiting unavailable',
    expose: true,
    retryable: true,
  },
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid' },
  PLUGIN_DUPLICATE: { status: 500, message: 'A plugin was registered twice' },
  PLUGIN_MISSING_DEPENDENCY: { status: 500, message: 'A plugin depends on one that is not registered' },
  PLUGIN_CYCLE: { status: 500, message: 'Plugins depend on each other in a cycle' },
  PLUGIN_HOOK_TIMEOUT: { status: 500, message: 'A plugin hook did not finish in time' },
  PLUGIN_HOOK_FAILED: { status: 500, message: 'A plugin hook failed' },
  KERNEL_STATE: { status: 500, message: 'The app is not in a state that allows this' },
  DI_NOT_REGISTERED: { status: 500, message: 'No provider is registered for this token' },
  DI_SCOPE: { status: 500, message: 'This token cannot be resolved in this scope' },
});

export type CoreErrorCode = keyof typeof CoreErrors;
