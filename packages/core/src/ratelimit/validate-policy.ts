import { assertPolicyName, BUILTIN_KEYS, ipMatcher, type RateLimitPolicy } from './policy.js';
import { windowSeconds } from './window.js';

/** Windows of a policy input, validated: `limit` + `window`, or `windows`. */
export function windowsOf(policy: RateLimitPolicy): Array<{ limit: number; seconds: number }> {
  const list =
    policy.windows ??
    (policy.limit !== undefined || policy.window !== undefined ? [{ limit: policy.limit, window: policy.window }] : []);
  if (list.length === 0) throw new TypeError(`Rate limit policy "${policy.name}" needs limit and window, or windows`);
  if (policy.windows && (policy.limit !== undefined || policy.window !== undefined)) {
    throw new TypeError(`Rate limit policy "${policy.name}": give limit + window, or windows, not both`);
  }
  const out = list.map((w) => {
    if (!Number.isInteger(w.limit) || (w.limit as number) < 1) {
      throw new TypeError(`Rate limit policy "${policy.name}": limit must be a whole number ≥ 1 (got ${w.limit})`);
    }
    if (w.window === undefined) throw new TypeError(`Rate limit policy "${policy.name}": a window is missing`);
    return { limit: w.limit as number, seconds: windowSeconds(w.window) };
  });
  if (new Set(out.map((w) => w.seconds)).size !== out.length) {
    throw new TypeError(`Rate limit policy "${policy.name}": two windows have the same length`);
  }
  return out;
}

/** Validate a policy without building anything (so a bad guard fails when the route is declared). */
export function validatePolicy(policy: RateLimitPolicy): void {
  assertPolicyName(policy.name);
  windowsOf(policy);
  const { cost } = policy;
  if (typeof cost === 'number' && !(Number.isInteger(cost) && cost >= 0)) {
    throw new TypeError(`Rate limit policy "${policy.name}": cost must be a whole number ≥ 0 (got ${cost})`);
  }
  if (typeof policy.key === 'string' && policy.key !== 'ip' && !(policy.key in BUILTIN_KEYS)) {
    throw new TypeError(`Rate limit policy "${policy.name}": unknown key ${JSON.stringify(policy.key)}`);
  }
  if (policy.allow?.ips) ipMatcher(policy.allow.ips);
}
