// Circuit breaker overhead: what `breaker.fire()` costs per call on top of awaiting the async
// function directly. Uses @koaforge/core's BreakerRegistry when the built package exports it (the
// breakers our code makes), else plain opossum breakers configured the same way.
import { environment, median, progress, round, table, writeResults } from '../lib/report.mjs';

export const description = 'opossum fire() overhead per call vs a direct await';

const iterations = Number(process.env.BENCH_BREAKER_ITERATIONS ?? 200_000);
const rounds = Number(process.env.BENCH_BREAKER_ROUNDS ?? 7);

/** The guarded function: async, resolves at once, so everything measured is overhead. */
async function work(x) {
  return x + 1;
}

async function loadBreakers() {
  const { default: CircuitBreaker } = await import('opossum');
  // Like BreakerRegistry's breakers: no percentiles, no snapshot timer.
  const plain = (timeout) =>
    new CircuitBreaker(work, { timeout, rollingPercentilesEnabled: false, enableSnapshots: false });
  let core;
  try {
    core = await import('@koaforge/core');
  } catch {
    core = undefined;
  }
  if (core?.BreakerRegistry) {
    const registry = new core.BreakerRegistry();
    const { Registry } = await import('prom-client');
    const measured = new core.BreakerRegistry({ metrics: new Registry() });
    const resilientCall = core.resilientCall;
    return {
      source: '@koaforge/core BreakerRegistry',
      withTimer: registry.get('bench-timer', work, { timeout: 10_000 }),
      noTimer: registry.get('bench-no-timer', work, { timeout: false }),
      withMetrics: measured.get('bench-metrics', work, { timeout: false }),
      resilientCall: resilientCall
        ? { fn: resilientCall, breaker: registry.get('bench-rc', undefined, { timeout: false }) }
        : undefined,
      close: () => {
        registry.close();
        measured.close();
      },
    };
  }
  const withTimer = plain(10_000);
  const noTimer = plain(false);
  return {
    source: 'opossum (BreakerRegistry not exported by the built @koaforge/core yet)',
    withTimer,
    noTimer,
    resilientCall: undefined,
    close: () => {
      withTimer.shutdown();
      noTimer.shutdown();
    },
  };
}

/** ns per call of `call(i)` awaited in sequence, `iterations` times. */
async function measure(call) {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += await call(i);
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  if (sink === -1) console.log('unreachable');
  return ns;
}

export async function run() {
  const b = await loadBreakers();
  const variants = [
    { name: 'direct await', call: (i) => work(i) },
    { name: 'fire(), timeout 10 s (a timer per call)', call: (i) => b.withTimer.fire(i) },
    { name: 'fire(), timeout: false', call: (i) => b.noTimer.fire(i) },
  ];
  if (b.withMetrics) {
    variants.push({
      name: 'fire(), timeout: false, with circuit_breaker_* metrics',
      call: (i) => b.withMetrics.fire(i),
    });
  }
  if (b.resilientCall) {
    const { fn, breaker } = b.resilientCall;
    // resilientCall makes one AbortSignal per attempt (the function's), which alone costs µs on Node 20.
    variants.push({ name: 'resilientCall(fn, { breaker })', call: (i) => fn(() => work(i), { breaker }) });
    variants.push({ name: 'resilientCall(fn, { timeout: 1000 })', call: (i) => fn(() => work(i), { timeout: 1000 }) });
  }
  progress(`${b.source}; ${iterations} calls × ${rounds} rounds per variant, interleaved`);
  // Warm-up: let the JIT settle every path before measuring.
  for (const v of variants) await measure(v.call);
  const samples = new Map(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) samples.get(v.name).push(await measure(v.call));
  }
  b.close();
  const direct = median(samples.get('direct await'));
  const results = variants.map((v) => {
    const ns = median(samples.get(v.name));
    return {
      variant: v.name,
      nsPerCall: round(ns, 1),
      usPerCall: round(ns / 1000, 3),
      overheadNs: round(ns - direct, 1),
      minNs: round(Math.min(...samples.get(v.name)), 1),
      maxNs: round(Math.max(...samples.get(v.name)), 1),
      samplesNs: samples.get(v.name).map((x) => round(x, 1)),
    };
  });
  for (const r of results) progress(`${r.variant}: ${r.nsPerCall} ns/call (+${r.overheadNs} ns)`);
  const env = environment({ iterations, rounds, source: b.source });
  const md = [
    '## breaker — circuit breaker overhead per call',
    '',
    `${env.date} · Node ${env.node} · ${env.cores} × ${env.cpu} · ${b.source} · median of ${rounds} rounds of ${iterations} sequential awaited calls`,
    '',
    table(
      ['variant', 'ns/call', 'µs/call', 'overhead vs direct (ns)', 'min–max ns'],
      results.map((r) => [r.variant, r.nsPerCall, r.usPerCall, r.overheadNs, `${r.minNs}–${r.maxNs}`]),
    ),
  ].join('\n');
  writeResults('breaker', { suite: 'breaker', environment: env, results }, md);
}
