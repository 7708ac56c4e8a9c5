/**
 * Fixed windows of period quotas, in UTC: `minute`, `hour`, `day` and `week` are whole multiples of
 * seconds since the epoch (weeks start on Thursday, 1970-01-01, unless you pass seconds), `month`
 * is the calendar month, a number is a window of that many seconds.
 */
export type QuotaPeriod = 'minute' | 'hour' | 'day' | 'week' | 'month' | number;

/** One window of a period: its id (goes into keys) and bounds (epoch ms). */
export interface PeriodWindow {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

const SECONDS: Record<Exclude<QuotaPeriod, number | 'month'>, number> = {
  minute: 60,
  hour: 3600,
  day: 86_400,
  week: 604_800,
};

export function assertPeriod(period: QuotaPeriod): void {
  if (typeof period === 'number') {
    if (!Number.isInteger(period) || period < 1) {
      throw new TypeError(`A quota period in seconds must be a whole number ≥ 1; got ${period}`);
    }
  } else if (period !== 'month' && !(period in SECONDS)) {
    throw new TypeError(
      `Unknown quota period ${JSON.stringify(period)}: use minute, hour, day, week, month or seconds`,
    );
  }
}

/** The window of `period` that holds `now`. */
export function windowAt(period: QuotaPeriod, now: number): PeriodWindow {
  if (period === 'month') {
    const d = new Date(now);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    return { id: `m${y}${String(m + 1).padStart(2, '0')}`, start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
  const seconds = typeof period === 'number' ? period : SECONDS[period];
  const ms = seconds * 1000;
  const index = Math.floor(now / ms);
  return { id: `${seconds}s${index}`, start: index * ms, end: (index + 1) * ms };
}

/** The window length in seconds, for the `w` of `RateLimit-Policy` (the current month's for `month`). */
export function periodSeconds(period: QuotaPeriod, now: number): number {
  if (period === 'month') {
    const w = windowAt(period, now);
    return Math.round((w.end - w.start) / 1000);
  }
  return typeof period === 'number' ? period : SECONDS[period];
}
