import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasErrorCode, isKoaforgeError } from '../../src/errors/catalogue.js';
import { HealthRegistry } from '../../src/health/health-registry.js';
import { BreakerRegistry, defaultIsFailure } from '../../src/resilience/breaker-registry.js';
import { logSink } from '../helpers.js';

const silent = pino({ level: 'silent' });
let registries: BreakerRegistry[] = [];
afterEach(() => {
  for (const r of registries) r.close();
  registries = [];
});

function make(options: ConstructorParameters<typeof BreakerRegistry>[0] = {}) {
  const metrics = new Registry();
  const breakers = new BreakerRegistry({ metrics, logger: silent, ...options });
  registries.push(breakers);
  return { breakers, metrics };
}

/** A dependency whose behaviour the test switches, counting its calls. */
function dependency() {
  const dep = {
    calls: 0,
    fail: true as boolean | Error,
    fn: async (x = 'ok') => {
      dep.calls++;
      if (dep.fail) throw dep.fail instanceof Error ? dep.fail : new Error('boom');
      return x;
    },
  };
  return dep;
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok' as const,
    (e: unknown) => e,
  );

describe('BreakerRegistry', () => {
  it('returns one shared breaker per name, keeping the first options and warning once', async () => {
    const sink = logSink();
    const { breakers } = make({ logger: pino({ level: 'warn' }, sink.stream) });
    const dep = dependency();
    const a = breakers.get('svc', dep.fn, { resetTimeout: 1000 });
    const b = breakers.get('svc', dep.fn, { resetTimeout: 5000 });
    breakers.get('svc', dep.fn, { resetTimeout: 7000 });
    expect(b).toBe(a);
    expect(breakers.names()).toEqual(['svc']);
    await vi.waitFor(() => expect(sink.lines).toHaveLength(1));
    expect(sink.lines[0]).toMatchObject({
      breaker: 'svc',
      kept: { resetTimeout: 1000 },
      ignored: { resetTimeout: 5000 },
    });
  });

  it('does not open before volumeThreshold calls, then opens above the failure ratio', async () => {
    const { breakers } = make();
    const dep = dependency();
    const breaker = breakers.get('vol', dep.fn, {
      volumeThreshold: 4,
      errorThresholdPercentage: 50,
      resetTimeout: 60_000,
    });
    for (let i = 0; i < 3; i++) await settle(breaker.fire());
    expect(breaker.closed).toBe(true);
    await settle(breaker.fire());
    expect(breaker.opened).toBe(true);
    expect(dep.calls).toBe(4);
  });

  it('opens only when failures exceed errorThresholdPercentage', async () => {
    const { breakers } = make();
    const dep = dependency();
    const breaker = breakers.get('ratio', dep.fn, {
      volumeThreshold: 4,
      errorThresholdPercentage: 50,
      resetTimeout: 60_000,
    });
    dep.fail = false;
    for (let i = 0; i < 3; i++) await breaker.fire();
    dep.fail = true;
    await settle(breaker.fire()); // 1/4 = 25%
    await settle(breaker.fire()); // 2/5
    await settle(breaker.fire()); // 3/6 = 50%: not above
    expect(breaker.closed).toBe(true);
    await settle(breaker.fire()); // 4/7 = 57%
    expect(breaker.opened).toBe(true);
  });

  it('rejects with CIRCUIT_OPEN while open, without calling the function', async () => {
    const { breakers } = make();
    const dep = dependency();
    const breaker = breakers.get('fast', dep.fn, { resetTimeout: 60_000 });
    await settle(breaker.fire());
    expect(breaker.opened).toBe(true);
    const calls = dep.calls;
    const errors = await Promise.all([1, 2, 3].map(() => settle(breaker.fire())));
    expect(dep.calls).toBe(calls);
    for (const err of errors) {
      expect(hasErrorCode(err, 'CIRCUIT_OPEN')).toBe(true);
      expect(err).toMatchObject({ status: 503, retryable: true, expose: true, breaker: 'fast' });
      expect((err as Error).message).toBe('The circuit breaker is open');
      expect((err as { details?: unknown }).details).toBeUndefined();
    }
  });

  it('half-opens after resetTimeout, closes on a successful trial and re-opens on a failed one', async () => {
    const { breakers } = make();
    const dep = dependency();
    const breaker = breakers.get('cycle', dep.fn, { resetTimeout: 40 });
    await settle(breaker.fire());
    expect(breaker.opened).toBe(true);
    await vi.waitFor(() => expect(breaker.halfOpen).toBe(true), { timeout: 1000, interval: 5 });
    // Failed trial: open again at once, without waiting for a ratio.
    await settle(breaker.fire());
    expect(breaker.opened).toBe(true);
    await vi.waitFor(() => expect(breaker.halfOpen).toBe(true), { timeout: 1000, interval: 5 });
    dep.fail = false;
    await expect(breaker.fire('hi')).resolves.toBe('hi');
    expect(breaker.closed).toBe(true);
    expect(dep.calls).toBe(3);
  });

  it('exports the state gauge, event counters and the duration histogram', async () => {
    const { breakers, metrics } = make();
    const dep = dependency();
    const breaker = breakers.get('m', dep.fn, { resetTimeout: 40 });
    const value = async (name: string, labels: Record<string, string>) => {
      const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
      const v = metric?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
      return v?.value;
    };
    expect(await value('circuit_breaker_state', { breaker: 'm' })).toBe(0);
    await settle(breaker.fire()); // failure → open
    await settle(breaker.fire()); // reject
    expect(await value('circuit_breaker_state', { breaker: 'm' })).toBe(2);
    await vi.waitFor(() => expect(breaker.halfOpen).toBe(true), { timeout: 1000, interval: 5 });
    expect(await value('circuit_breaker_state', { breaker: 'm' })).toBe(1);
    dep.fail = false;
    await breaker.fire();
    expect(await value('circuit_breaker_state', { breaker: 'm' })).toBe(0);
    const count = (event: string) => value('circuit_breaker_events_total', { breaker: 'm', event });
    expect(await count('failure')).toBe(1);
    expect(await count('open')).toBe(1);
    expect(await count('reject')).toBe(1);
    expect(await count('halfOpen')).toBe(1);
    expect(await count('success')).toBe(1);
    expect(await count('close')).toBe(1);
    expect(await count('timeout')).toBe(0);
    const text = await metrics.metrics();
    expect(text).toContain('circuit_breaker_state{breaker="m"} 0');
    expect(text).toContain('circuit_breaker_events_total{breaker="m",event="open"} 1');
    expect(text).toContain('circuit_breaker_duration_seconds_count{breaker="m"} 2');
  });

  it('does not count 4xx errors as failures by default (isFailure)', async () => {
    const { breakers } = make();
    const dep = dependency();
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    dep.fail = notFound;
    const breaker = breakers.get('4xx', dep.fn, { resetTimeout: 60_000 });
    for (let i = 0; i < 5; i++) expect(await settle(breaker.fire())).toBe(notFound);
    expect(breaker.closed).toBe(true);
    expect(defaultIsFailure(Object.assign(new Error(), { status: 429 }))).toBe(true);
    expect(defaultIsFailure(Object.assign(new Error(), { statusCode: 503 }))).toBe(true);
    expect(defaultIsFailure(new Error('plain'))).toBe(true);
    // A custom rule.
    const custom = breakers.get('custom', dep.fn, { isFailure: () => true, resetTimeout: 60_000 });
    await settle(custom.fire());
    expect(custom.opened).toBe(true);
  });

  it('times out a call with TIMEOUT and calls the fallback with the error and the arguments', async () => {
    const { breakers } = make();
    const hang = breakers.get('hang', (_x: string) => new Promise<string>(() => {}), {
      timeout: 20,
      resetTimeout: 60_000,
    });
    const err = await settle(hang.fire('a'));
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    expect(hang.opened).toBe(true);
    const seen: unknown[][] = [];
    const withFallback = breakers.get(
      'fb',
      async (x: string) => {
        throw new Error(`no ${x}`);
      },
      {
        resetTimeout: 60_000,
        fallback: (e, x) => {
          seen.push([e, x]);
          return `fallback ${x}`;
        },
      },
    );
    await expect(withFallback.fire('one')).resolves.toBe('fallback one');
    await expect(withFallback.fire('two')).resolves.toBe('fallback two');
    expect(seen[0]?.[0]).toMatchObject({ message: 'no one' });
    expect(hasErrorCode(seen[1]?.[0], 'CIRCUIT_OPEN')).toBe(true);
    expect(seen[1]?.[1]).toBe('two');
  });

  it('lets per-name overrides (config) win over options given in code', () => {
    const { breakers } = make({ defaults: { resetTimeout: 1111 }, overrides: { tuned: { resetTimeout: 2222 } } });
    const dep = dependency();
    const tuned = breakers.get('tuned', dep.fn, { resetTimeout: 10 });
    const plain = breakers.get('plain', dep.fn);
    expect((tuned as unknown as { options: { resetTimeout: number } }).options.resetTimeout).toBe(2222);
    expect((plain as unknown as { options: { resetTimeout: number } }).options.resetTimeout).toBe(1111);
  });

  it('reports open breakers as degraded in readiness, or failing when configured', async () => {
    const { breakers } = make();
    const dep = dependency();
    breakers.get('ok', dependency().fn);
    const bad = breakers.get('bad', dep.fn, { resetTimeout: 60_000 });
    const health = new HealthRegistry();
    health.add(breakers.healthCheck());
    health.add(breakers.healthCheck({ name: 'strict', failReadinessWhenOpen: true }));
    health.setPhase('ready');
    let report = await health.readiness();
    expect(report.checks['circuit-breakers']?.status).toBe('ok');
    await settle(bad.fire());
    report = await health.readiness();
    expect(report.checks['circuit-breakers']).toMatchObject({
      status: 'degraded',
      details: { open: ['bad'], halfOpen: [] },
    });
    expect(report.checks.strict).toMatchObject({ status: 'fail', error: 'circuit breakers open: bad' });
    expect(report.status).toBe('fail');
    health.remove('strict');
    expect((await health.readiness()).status).toBe('ok');
    expect(breakers.summary()).toEqual({ open: ['bad'], halfOpen: [], closed: ['ok'] });
  });

  it('a breaker without a function rejects fire() until a later get() supplies one', async () => {
    const { breakers } = make();
    const err = await settle(breakers.get('nofn', undefined, { volumeThreshold: 10 }).fire());
    expect(err).toBeInstanceOf(TypeError);
    expect(isKoaforgeError(err)).toBe(false);
    const same = breakers.get('nofn', async (x: number) => x * 2);
    await expect(same.fire(21)).resolves.toBe(42);
  });
});
