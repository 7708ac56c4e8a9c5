import type { Context, Middleware } from 'koa';
import { type RequestContext, runWithContext } from '../context/request-context.js';
import { settleJsonBody } from '../http/json-body.js';
import type { RequestObserver } from '../http/observe.js';
import { respond } from '../http/respond.js';
import type { Phase, PhasedMiddleware } from './phases.js';

/** The kernel's built-ins of the `context`, `observe` and `error` phases, as parts. */
export interface CoreParts {
  /** `contextOpener(…)`: the `context` phase. */
  open?: (ctx: Context) => RequestContext;
  /** `requestObserver(…)`: the `observe` phase. */
  observer?: RequestObserver;
  /** `errorAnswer(…)`: the `error` phase. */
  answer?: (ctx: Context, thrown: unknown) => void;
  /**
   * Send plain JSON bodies as strings once everything below is done (`settleJsonBody`), so Koa's
   * `respond` never tests them against `Response` (which loads undici). Only for the outermost.
   */
  json?: boolean;
}

/** What runs below the core frame: `next` (as middleware) or the composed chain (as the handler). */
type Chain<A> = (arg: A) => Promise<unknown>;

/** The core frame: opens the context, runs `chain(arg)` inside it, and settles the request. */
export type CoreFrame = <A>(ctx: Context, chain: Chain<A>, arg: A) => Promise<void>;

/**
 * The `context`, `observe` and `error` built-ins as ONE frame around the chain, behaving exactly as
 * the three middleware in a row (request context → observe → error boundary). Why: each middleware
 * frame costs a compose dispatch and a promise, and every promise pays AsyncLocalStorage's hook on
 * Node 20; here the request gets one continuation (`then(finished, answered-then-finished)`).
 *
 * `sends`: the frame is the kernel's request handler itself, so it also sends the response
 * (`respond`, as Koa would after the chain) in that same continuation, and hands whatever escapes
 * to `ctx.onerror` as Koa's own handler does. Otherwise it is a middleware: what escapes rejects.
 */
export function coreFrame(parts: CoreParts, sends: boolean): CoreFrame {
  const { open, observer, answer, json = false } = parts;
  const passThrough = !sends && !json && answer === undefined && observer === undefined;

  /** After the chain returned: the body as Koa will send it (one JSON cannot hold is answered as a throw). */
  function succeeded(ctx: Context): void {
    if (!json) return;
    try {
      settleJsonBody(ctx);
    } catch (thrown) {
      failed(ctx, thrown);
    }
  }

  /** After the chain threw: the boundary's answer, or the throw passed on when there is none. */
  function failed(ctx: Context, thrown: unknown): void {
    if (answer === undefined) throw thrown;
    answer(ctx, thrown);
    if (json) settleJsonBody(ctx);
  }

  /** Settles the request and tells the observer; throws what still escapes. */
  function ended(ctx: Context, start: bigint, thrown: unknown, threw: boolean): void {
    const end = threw ? failed : succeeded;
    if (observer === undefined) end(ctx, thrown);
    else observe(observer, ctx, start, end, thrown);
  }

  /** As the listener: settle, then send; what escapes goes to `ctx.onerror`, as in Koa's own listener. */
  function sent(ctx: Context, start: bigint, thrown: unknown, threw: boolean): void {
    try {
      ended(ctx, start, thrown, threw);
      respond(ctx);
    } catch (err) {
      ctx.onerror(err as Error);
    }
  }

  const finish = sends ? sent : ended;

  function settle<A>(ctx: Context, chain: Chain<A>, arg: A, rc: RequestContext | undefined): Promise<void> {
    if (passThrough) return chain(arg) as Promise<void>;
    // One clock read per request: the context's start when there is one.
    let start = 0n;
    if (observer !== undefined) {
      start = rc === undefined ? process.hrtime.bigint() : rc.startedAt;
      observer.started();
    }
    return chain(arg).then(
      () => finish(ctx, start, undefined, false),
      (thrown: unknown) => finish(ctx, start, thrown, true),
    );
  }

  return function core<A>(ctx: Context, chain: Chain<A>, arg: A): Promise<void> {
    if (open === undefined) return settle(ctx, chain, arg, undefined);
    const rc = open(ctx);
    return runWithContext(rc, settle, ctx, chain, arg, rc);
  };
}

/** The core frame as one Koa middleware (what `app.koa.middleware` holds; the kernel's handler folds it in). */
export function coreMiddleware(parts: CoreParts): Middleware {
  const frame = coreFrame(parts, false);
  return function coreMiddleware(ctx, next) {
    return frame(ctx, next, undefined);
  };
}

/**
 * Runs the end of a request (`succeeded` / `failed`) and tells the observer how it ended: whatever
 * still escapes (no boundary, or the boundary itself failed) is seen as escaping, as it would be
 * by an observer above the boundary.
 */
function observe(
  o: RequestObserver,
  ctx: Context,
  start: bigint,
  end: (ctx: Context, thrown: unknown) => void,
  thrown: unknown,
): void {
  try {
    end(ctx, thrown);
  } catch (err) {
    o.finished(ctx, start, true);
    throw err;
  }
  o.finished(ctx, start, false);
}

/** The phases {@link coreMiddleware} covers. */
export const CORE_PHASES: ReadonlySet<Phase> = new Set(['context', 'observe', 'error']);

/**
 * The same parts as one middleware per phase, named as the public ones they equal
 * (`requestContext()`, `observeRequests()`, `errorBoundary()`): what the boot report lists, and what
 * runs when plugins add middleware to these phases (theirs then go between the core's, by phase).
 */
export function corePhases(parts: CoreParts): PhasedMiddleware[] {
  const list: PhasedMiddleware[] = [];
  const add = (phase: Phase, name: string, part: CoreParts) => {
    // The outermost of them sends JSON bodies as strings (see `CoreParts.json`).
    if (list.length === 0 && parts.json === true) part.json = true;
    const middleware = Object.defineProperty(coreMiddleware(part), 'name', { value: name });
    list.push({ phase, middleware, owner: 'core' });
  };
  if (parts.open) add('context', 'requestContextMiddleware', { open: parts.open });
  if (parts.observer) add('observe', 'observeRequestsMiddleware', { observer: parts.observer });
  if (parts.answer) add('error', 'errorBoundaryMiddleware', { answer: parts.answer });
  return list;
}
