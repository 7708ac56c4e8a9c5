import type { Context, Middleware, Next } from 'koa';
import { type RequestContext, runWithContext } from '../context/request-context.js';
import { settleJsonBody } from '../http/json-body.js';
import type { RequestObserver } from '../http/observe.js';
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

/**
 * The `context`, `observe` and `error` built-ins as ONE middleware, behaving exactly as the three
 * in a row (request context → observe → error boundary), used when no other middleware sits in
 * those phases. Why: each middleware frame costs a compose dispatch and a promise, and every
 * promise pays AsyncLocalStorage's hook on Node 20; here the request gets one frame and one
 * continuation (`then(finished, answered-then-finished)`) instead of three of each.
 */
export function coreMiddleware(parts: CoreParts): Middleware {
  const { open, observer, answer, json = false } = parts;
  // `rc`: the request's context when the `context` part is on (its start time is the request's).
  const settle: (ctx: Context, next: Next, rc: RequestContext | undefined) => Promise<void> =
    observer === undefined ? answered : observed;

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

  function answered(ctx: Context, next: Next): Promise<void> {
    if (!json && answer === undefined) return next();
    return next().then(
      () => succeeded(ctx),
      (thrown: unknown) => failed(ctx, thrown),
    );
  }

  function observed(ctx: Context, next: Next, rc: RequestContext | undefined): Promise<void> {
    const o = observer as RequestObserver;
    // One clock read per request: the context's start when there is one.
    const start = rc === undefined ? process.hrtime.bigint() : rc.startedAt;
    o.started();
    return next().then(
      () => observe(o, ctx, start, succeeded, undefined),
      (thrown: unknown) => observe(o, ctx, start, failed, thrown),
    );
  }

  return function coreMiddleware(ctx, next) {
    if (open === undefined) return settle(ctx, next, undefined);
    const rc = open(ctx);
    return runWithContext(rc, settle, ctx, next, rc);
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
