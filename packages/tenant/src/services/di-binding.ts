import type { Provider, Token } from '@koaforge/core';
import type { TenantServices } from './tenant-services.js';

/**
 * A DI provider that resolves to the current tenant's instance of a per-tenant service, so
 * `currentContext().container.resolve(Token)` (or `app.container.resolve(Token)` during a request)
 * gives the request's tenant's pool or client. The service's factory must be synchronous, or the
 * instance already made; otherwise use {@link tenantServicePromiseProvider}.
 *
 * Transient on purpose: each resolve reads the request's tenant, and the instance is owned by
 * `TenantServices`. A request-scoped registration would hand it to the request container, which
 * disposes what it made when the response closes: the tenant's shared pool would be closed after
 * its first request.
 *
 * @example
 * services.define(ApiClient, { factory: (t) => new ApiClient(t.id) });
 * app.container.register(ApiClient, tenantServiceProvider(services, ApiClient));
 * // in a handler:
 * const client = currentContext()!.container.resolve(ApiClient); // this tenant's client
 */
export function tenantServiceProvider<T>(services: TenantServices, token: Token<T>): Provider<T> {
  if (!services.defines(token)) throw new TypeError(`${String(token)} is not defined as a tenant service`);
  return { useFactory: () => services.getSync(token), scope: 'transient' };
}

/**
 * Like {@link tenantServiceProvider} for services with async factories: register it under a token
 * of `Promise<T>` and await what it resolves to.
 *
 * @example
 * const DbPoolAsync = createToken<Promise<Pool>>('DbPool (async)');
 * app.container.register(DbPoolAsync, tenantServicePromiseProvider(services, DbPool));
 * const pool = await currentContext()!.container.resolve(DbPoolAsync);
 */
export function tenantServicePromiseProvider<T>(services: TenantServices, token: Token<T>): Provider<Promise<T>> {
  if (!services.defines(token)) throw new TypeError(`${String(token)} is not defined as a tenant service`);
  return { useFactory: () => services.get(token), scope: 'transient' };
}
