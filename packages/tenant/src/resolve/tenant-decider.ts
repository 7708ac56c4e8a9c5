import type { Context } from 'koa';
import { TenantErrors } from '../errors.js';
import { registryUnavailable } from '../registry/unavailable.js';
import { DEFAULT_TENANT_ID_PATTERN, statelessPattern } from '../tenant-id.js';
import type { ResolvedTenant, TenantRecord, TenantRegistry } from '../types.js';
import type { TenantResolver } from './resolver.js';
import type { TenantRequest } from './tenant-request.js';

/**
 * What to do with hints when no trusted source names a tenant (no principal, or one without a
 * tenant): `accept` them (the tenant is marked `verified: false`), `ignore` them (no tenant), or
 * decide per request.
 */
export type AnonymousRule = 'accept' | 'ignore' | ((ctx: Context) => boolean);

export interface TenantDeciderOptions {
  /** The chain, in order. Every resolver is asked; the order decides which hint names the source. */
  resolvers: readonly TenantResolver[];
  registry: TenantRegistry;
  /** Default `accept`. */
  anonymous?: AnonymousRule;
  /** Ids not matching it answer 400 `TENANT_INVALID`. Default {@link DEFAULT_TENANT_ID_PATTERN}. */
  idPattern?: RegExp;
  /**
   * Answer suspended tenants with 403 `TENANT_SUSPENDED`. Default false: they answer 404
   * `TENANT_NOT_FOUND` exactly like unknown ones, so nobody can probe which tenants exist.
   */
  revealSuspended?: boolean;
}

/**
 * The trust model, in one place:
 *
 * 1. Every resolver is asked. Each id must match the pattern (else 400 `TENANT_INVALID`).
 * 2. Trusted sources decide; two that disagree are a 403 `TENANT_MISMATCH`.
 * 3. Hints must agree among themselves and with the trusted answer (else 403 `TENANT_MISMATCH`):
 *    a user of acme cannot reach globex by sending `X-Tenant-Id: globex` or using globex's host.
 * 4. Without a trusted answer, hints alone name the tenant only if the anonymous rule says so,
 *    and the tenant is then `verified: false`.
 * 5. The registry must know the tenant and it must be active (else 404 `TENANT_NOT_FOUND`, the
 *    same answer for unknown and suspended unless `revealSuspended`); a registry that fails is a
 *    503 `TENANT_REGISTRY_UNAVAILABLE`.
 *
 * `decide` returns the tenant synchronously when the resolvers answer synchronously and the
 * registry can `peek`, and a promise otherwise.
 */
export class TenantDecider {
  readonly #resolvers: readonly TenantResolver[];
  readonly #registry: TenantRegistry;
  readonly #anonymous: AnonymousRule;
  readonly #idPattern: RegExp;
  readonly #revealSuspended: boolean;

  constructor(options: TenantDeciderOptions) {
    this.#resolvers = [...options.resolvers];
    this.#registry = options.registry;
    this.#anonymous = options.anonymous ?? 'accept';
    this.#idPattern = statelessPattern(options.idPattern ?? DEFAULT_TENANT_ID_PATTERN);
    this.#revealSuspended = options.revealSuspended ?? false;
  }

  /** The tenant of the request, `undefined` when it names none, or a promise of either. Throws catalogue errors. */
  decide(request: TenantRequest): ResolvedTenant | undefined | Promise<ResolvedTenant | undefined> {
    const pending = this.#collect(request, 0);
    return pending === undefined ? this.#conclude(request) : pending.then(() => this.#conclude(request));
  }

  /** Ask resolvers from `from` on; a promise only once one of them answers with a promise. */
  #collect(request: TenantRequest, from: number): Promise<void> | undefined {
    const resolvers = this.#resolvers;
    for (let i = from; i < resolvers.length; i++) {
      const resolver = resolvers[i]!;
      const candidate = resolver.resolve(request);
      if (candidate === undefined) continue;
      if (typeof candidate === 'string') {
        this.#take(request, resolver, candidate);
        continue;
      }
      return candidate.then((id) => {
        if (id !== undefined) this.#take(request, resolver, id);
        return this.#collect(request, i + 1);
      });
    }
    return undefined;
  }

  #take(request: TenantRequest, resolver: TenantResolver, id: string): void {
    if (!this.#idPattern.test(id)) throw TenantErrors.TENANT_INVALID();
    if (resolver.trusted) {
      if (request.trusted === undefined) {
        request.trusted = id;
        request.trustedSource = resolver.name;
      } else if (request.trusted !== id) {
        throw TenantErrors.TENANT_MISMATCH();
      }
    } else if (request.hint === undefined) {
      request.hint = id;
      request.hintSource = resolver.name;
    } else if (request.hint !== id) {
      throw TenantErrors.TENANT_MISMATCH();
    }
    if (request.trusted !== undefined && request.hint !== undefined && request.trusted !== request.hint) {
      throw TenantErrors.TENANT_MISMATCH();
    }
  }

  #conclude(request: TenantRequest): ResolvedTenant | undefined | Promise<ResolvedTenant | undefined> {
    let id = request.trusted;
    let source = request.trustedSource;
    const verified = id !== undefined;
    if (id === undefined && request.hint !== undefined && this.#acceptsHints(request.ctx)) {
      id = request.hint;
      source = request.hintSource;
    }
    if (id === undefined || source === undefined) return undefined;
    const registry = this.#registry;
    const known = registry.peek?.(id);
    if (known !== undefined) return this.#admit(known, source, verified);
    const from = source;
    return registry.get(id).then(
      (record) => this.#admit(record ?? null, from, verified),
      (err: unknown) => {
        throw registryUnavailable(err);
      },
    );
  }

  #acceptsHints(ctx: Context): boolean {
    const rule = this.#anonymous;
    if (rule === 'accept') return true;
    if (rule === 'ignore') return false;
    return rule(ctx) === true;
  }

  #admit(record: TenantRecord | null, source: string, verified: boolean): ResolvedTenant {
    if (record === null) throw TenantErrors.TENANT_NOT_FOUND();
    if (record.status === 'suspended') {
      throw this.#revealSuspended ? TenantErrors.TENANT_SUSPENDED() : TenantErrors.TENANT_NOT_FOUND();
    }
    return Object.freeze(
      record.name === undefined
        ? { id: record.id, source, verified }
        : { id: record.id, name: record.name, source, verified },
    );
  }
}
