// Settings every load suite reads from the environment, and the per-round comparison they share.
import { median } from './report.mjs';

/** A numeric environment setting, or the fallback. */
export const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Load-generator settings shared by the HTTP suites (`BENCH_*`). */
export function loadSettings() {
  return {
    durationS: num('BENCH_DURATION', 10),
    warmupS: num('BENCH_WARMUP', 3),
    connections: num('BENCH_CONNECTIONS', 50),
    pipelining: num('BENCH_PIPELINING', 1),
    rounds: num('BENCH_ROUNDS', 3),
    // A measured window in which other processes used more than this (% of one core) is repeated,
    // up to `retries` times; the least disturbed attempt is kept.
    maxOthersPct: 25,
    retries: num('BENCH_RETRIES', 2),
  };
}

/**
 * Median over rounds of `compare(variant sample, reference sample)` taken within the same round:
 * variants are interleaved per round, so comparing inside a round cancels slow drift.
 */
export function paired(samples, name, of, compare) {
  const ref = new Map(samples.get(of).map((x) => [x.round, x]));
  return median(
    samples
      .get(name)
      .filter((x) => ref.has(x.round))
      .map((x) => compare(x, ref.get(x.round))),
  );
}
