import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from 'koa';
import type { Principal, TenantRef } from '../contracts/principal.js';
import type { Container } from '../di/container.js';
import type { Logger } from '../logging/index.js';
import { generateRequestId, isSaneRequestId } from './request-id.js';

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Everything one request carries: its id, a child logger, the principal and tenant slots other
 * packages fill, a request DI scope, and a free-form bag. The logger and the container are made on
 * first use only, so a request that never asks for them pays nothing for them.
 */
export class RequestContext {
  readonly requestId: string;
  readonly ctx: Context | undefined;
  /** `process.hrtime.bigint()` when the request entered the kernel. */
  readonly startedAt: bigint;
  #bag: Map<unknown, unknown> | undefined;
  #principal: Principal | undefined;
  #tenant: TenantRef | undefined;
  #log: Logger | undefined;
  #container: Container | undefined;
  readonly #baseLogger: Logger | undefined;
  readonly #rootContainer: Container | undefined;

  constructor(init: { requestId: string; ctx?: Context; logger?: Logger; container?: Container }) {
    this.requestId = init.requestId;
    this.ctx = init.ctx;
    this.startedAt = process.hrtime.bigint();
    this.#baseLogger = init.logger;
    this.#rootContainer = init.container;
  }

  /** Free-form per-request values for plugins; key by a symbol or token of your own. Made on first use. */
  get bag(): Map<unknown, unknown> {
    if (this.#bag === undefined) this.#bag = new Map();
    return this.#bag;
  }

  /** A child logger bound to this request's id. */
  get log(): Logger {
    if (this.#log === undefined) {
      if (this.#baseLogger === undefined) throw new Error('No logger was given to requestContext()');
      this.#log = this.#baseLogger.child({ requestId: this.requestId });
    }
    return this.#log;
  }

  /**
   * The request's DI scope: request-scoped tokens resolve to one instance per request. Made on
   * first use; disposed when the response closes (for contexts opened with `runWithContext`, call
   * `dispose()` yourself).
   */
  get container(): Container {
    if (this.#container === undefined) {
      if (this.#rootContainer === undefined) throw new Error('No container was given to requestContext()');
      this.#container = this.#rootContainer.createRequestScope();
      this.ctx?.res.once('close', () => {
        this.dispose().catch((err: unknown) =>
          this.#baseLogger?.error({ err, requestId: this.requestId }, 'request scope disposal failed'),
        );
      });
    }
    return this.#container;
  }

  /** True once `container` was used (so the kernel knows there is a scope to dispose). */
  get hasContainer(): boolean {
    return this.#container !== undefined;
  }

  get principal(): Principal | undefined {
    return this.#principal;
  }

  /** Set by an authenticator. Frozen so later middleware cannot widen it in place. */
  setPrincipal(principal: Principal | undefined): void {
    // An already frozen principal (auth's cached verifications) is kept as is: no copy per request.
    this.#principal =
      principal === undefined || Object.isFrozen(principal) ? principal : Object.freeze({ ...principal });
  }

  get tenant(): TenantRef | undefined {
    return this.#tenant;
  }

  /** Set by the tenant resolver. Frozen: the tenant of a request never changes under a handler. */
  setTenant(tenant: TenantRef | undefined): void {
    this.#tenant = tenant === undefined || Object.isFrozen(tenant) ? tenant : Object.freeze({ ...tenant });
  }

  /** Dispose the request scope if one was made. */
  async dispose(): Promise<void> {
    if (this.#container !== undefined) await this.#container.dispose();
  }
}

/** The context of the request being handled, or `undefined` outside a request. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current request's id, or `undefined` outside a request. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Run `fn(...args)` inside a request context (for jobs, WebSocket messages and tests). */
export function runWithContext<T, A extends unknown[] = []>(
  context: RequestContext,
  fn: (...args: A) => T,
  ...args: A
): T {
  return storage.run(context, fn, ...args);
}

declare module 'koa' {
  interface DefaultState {
    /** Set by `requestContext()`. */
    requestContext?: RequestContext;
    requestId?: string;
  }
}

export interface RequestContextOptions {
  /** Base logger; each request gets a child with its `requestId` on first use. */
  logger?: Logger;
  /** Root DI container; each request gets a lazily made child scope. */
  container?: Container;
  /**
   * Header read for an incoming id and always echoed. Default `X-Request-Id`. The echo is written
   * in lowercase (`x-request-id`): header names are case-insensitive, and a lowercase name spares
   * Node two case conversions per response.
   */
  header?: string;
  /** Accept a sane incoming id (set false at the edge of an untrusted network). Default true. */
  trustIncoming?: boolean;
  /** Id generator. Default: {@link generateRequestId} (32 hex digits, 128 random bits). */
  generateId?: () => string;
}

/**
 * Koa middleware that opens the request context: accepts a sane incoming request id or makes one,
 * echoes it on the response, and runs the rest of the chain inside AsyncLocalStorage so
 * `currentContext()` works anywhere below, across awaits, timers and emitters.
 *
 * @example
 * app.use(requestContext({ logger }));
 */
export function requestContext(options: RequestContextOptions = {}): Middleware {
  const open = contextOpener(options);
  return function requestContextMiddleware(ctx, next) {
    return storage.run(open(ctx), next);
  };
}

/**
 * What {@link requestContext} does before running the chain: takes or makes the request id, echoes
 * it, and sets `ctx.state.requestContext` / `requestId`. The caller runs the rest inside the returned
 * context (`runWithContext`); the kernel's core middleware does.
 */
export function contextOpener(options: RequestContextOptions = {}): (ctx: Context) => RequestContext {
  const lowerHeader = (options.header ?? 'X-Request-Id').toLowerCase();
  const trustIncoming = options.trustIncoming ?? true;
  const generateId = options.generateId ?? generateRequestId;
  const { logger, container } = options;
  return (ctx) => {
    const incoming = trustIncoming ? ctx.req.headers[lowerHeader] : undefined;
    const requestId = typeof incoming === 'string' && isSaneRequestId(incoming) ? incoming : generateId();
    const rc = new RequestContext({ requestId, ctx, logger, container });
    ctx.state.requestContext = rc;
    ctx.state.requestId = requestId;
    // Straight to Node (Koa's `ctx.set` would coerce and re-check what is already a valid string).
    if (!ctx.res.headersSent) ctx.res.setHeader(lowerHeader, requestId);
    return rc;
  };
}
