import { currentContext, type Principal, type RequestContext, requestHost } from '@koaforge/core';
import type { Context } from 'koa';

const UNREAD = Symbol('unread');

/**
 * One request as the resolvers see it: the Koa context, the host (read once, shared by the
 * subdomain and domain resolvers), the principal, and what the resolvers found. Made once per
 * request by `resolveTenant()`; the resolvers only read it, except `tenantFromPath`, which leaves
 * the path to route by once the tenant is accepted.
 */
export class TenantRequest {
  readonly ctx: Context;
  readonly context: RequestContext | undefined;
  /** Path to route by once the tenant is accepted (`tenantFromPath` with `strip`). */
  rewritePath: string | undefined;
  /** @internal the first trusted id found, and the resolver that named it. */
  trusted: string | undefined;
  trustedSource: string | undefined;
  /** @internal the first hint found, and the resolver that named it. */
  hint: string | undefined;
  hintSource: string | undefined;
  readonly #trustedProxyHops: number;
  #host: string | undefined | typeof UNREAD = UNREAD;

  constructor(ctx: Context, trustedProxyHops: number) {
    this.ctx = ctx;
    this.context = ctx.state.requestContext ?? currentContext();
    this.#trustedProxyHops = trustedProxyHops;
  }

  /** The host the client asked for (core's `requestHost`: `X-Forwarded-Host` only behind trusted proxies). */
  get host(): string | undefined {
    if (this.#host === UNREAD) this.#host = requestHost(this.ctx, { trustedProxyHops: this.#trustedProxyHops });
    return this.#host;
  }

  /** The principal authentication put in core's request context, if any. */
  get principal(): Principal | undefined {
    return this.context?.principal;
  }
}
