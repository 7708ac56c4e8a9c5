/** What kind of counter a quota is. */
export type QuotaKind = 'period' | 'gauge';

/** The answer of a reservation. */
export interface QuotaDecision {
  readonly admitted: boolean;
  readonly quota: string;
  readonly kind: QuotaKind;
  readonly tenantId: string;
  /** The tenant's limit; `Infinity` when the quota is unlimited for it. */
  readonly limit: number;
  /** Count after the call (with the amount when admitted). */
  readonly used: number;
  /** `limit - used`, at least 0. */
  readonly remaining: number;
  /** What was asked for. */
  readonly requested: number;
  /** Period quotas: window length in seconds. */
  readonly windowSeconds?: number;
  /** Period quotas: seconds until the window ends (at least 1). */
  readonly resetSeconds?: number;
  /** Refused period quotas: seconds to wait (the next window). */
  readonly retryAfterSeconds?: number;
}

/** A quota's state for a tenant, without changing it. */
export interface QuotaUsage {
  readonly quota: string;
  readonly kind: QuotaKind;
  readonly tenantId: string;
  readonly used: number;
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds?: number;
}
