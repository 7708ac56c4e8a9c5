import type { TenantRequest } from './tenant-request.js';

/** A resolver's answer: a tenant id, `undefined` for "this request does not say", or a promise of either. */
export type TenantCandidate = string | undefined | Promise<string | undefined>;

/**
 * One link of the resolution chain. Trusted resolvers read authenticated facts (the principal);
 * the others read hints the client wrote (header, host, path), which must agree with the trusted
 * answer and are accepted alone only by the anonymous rule.
 *
 * Return a string synchronously whenever possible: a chain of synchronous resolvers decides a
 * request without a promise.
 */
export interface TenantResolver {
  /** Becomes `TenantRef.source` when this resolver decides (`principal`, `header`, `subdomain`...). */
  readonly name: string;
  readonly trusted: boolean;
  resolve(request: TenantRequest): TenantCandidate;
}
