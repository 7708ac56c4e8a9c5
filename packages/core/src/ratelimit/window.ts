/**
 * A window length: whole seconds as a number, or a string such as `'30s'`, `'1m'`, `'1h'`, `'1d'`.
 * Whole seconds only: Redis expiries and the `w` / `t` header parameters have no finer unit.
 */
export type WindowInput = number | `${number}${'s' | 'm' | 'h' | 'd'}`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const WINDOW_RE = /^(\d+)\s*([smhd])$/;

/** Seconds of a window input; throws a TypeError naming the bad value. */
export function windowSeconds(input: WindowInput | string): number {
  let seconds: number;
  if (typeof input === 'number') {
    seconds = input;
  } else {
    const m = WINDOW_RE.exec(input.trim());
    seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : Number.NaN;
  }
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new TypeError(
      `Invalid rate limit window ${JSON.stringify(input)}: use whole seconds ≥ 1 or '30s', '1m', '1h', '1d'`,
    );
  }
  return seconds;
}

/** The shortest label for a window, used in keys and header names: 60 → `1m`, 90 → `90s`. */
export function windowLabel(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Seconds for a `Retry-After` or a `t=` parameter: rounded up, never negative. */
export function ceilSeconds(ms: number): number {
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}
