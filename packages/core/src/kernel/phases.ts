import type { Middleware } from 'koa';

/**
 * Named places in the request pipeline, in order. Plugins add middleware to a phase instead of
 * relying on registration order; inside a phase, order is registration order.
 * - `context`: request id, AsyncLocalStorage context
 * - `observe`: metrics, access log (they see the final status, after the error boundary)
 * - `error`: the problem+json error boundary
 * - `authenticate`: credentials → principal (optional by default: routes and guards decide)
 * - `tenant`: tenant resolution, after authentication so that the principal's tenant decides and
 *   unauthenticated hints (header, subdomain, path) can be checked against it
 * - `limit`: rate limits and quotas (after identity, so they can key by tenant or user)
 * - `routes`: body parsing, then the router
 */
export const PHASES = ['context', 'observe', 'error', 'authenticate', 'tenant', 'limit', 'routes'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhasedMiddleware {
  middleware: Middleware;
  phase: Phase;
  owner: string;
}

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/** Stable sort by phase; registration order inside a phase. */
export function orderByPhase(entries: readonly PhasedMiddleware[]): PhasedMiddleware[] {
  return PHASES.flatMap((phase) => entries.filter((e) => e.phase === phase));
}
