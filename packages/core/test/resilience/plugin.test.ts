import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/index.js';
import { BreakerRegistryToken } from '../../src/resilience/breaker-registry.js';
import { resiliencePlugin } from '../../src/resilience/plugin.js';
import { listen, testApp } from '../helpers.js';

let running: App[] = [];
afterEach(async () => {
  await Promise.all(running.map((a) => a.stop()));
  running = [];
});

async function start(config: Record<string, unknown> = {}) {
  const { app } = testApp({ config: { file: false, env: {}, overrides: config } });
  running.push(app);
  app.register(resiliencePlugin, { breakers: { payments: { resetTimeout: 1000, volumeThreshold: 0 } } });
  const base = await listen(app);
  return { app, base, breakers: app.container.resolve(BreakerRegistryToken) };
}

const failing = async () => {
  throw new Error('down');
};

describe('resiliencePlugin', () => {
  it('registers the registry, its metrics and a degraded (not failing) readiness check', async () => {
    const { base, breakers } = await start({ resilience: { breakers: { payments: { resetTimeout: 60_000 } } } });
    const payments = breakers.get('payments', failing, { resetTimeout: 5 });
    // Config wins over code options (plugin options and get()).
    expect((payments as unknown as { options: { resetTimeout: number } }).options.resetTimeout).toBe(60_000);
    let ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    await payments.fire().catch(() => undefined);
    expect(payments.opened).toBe(true);
    ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, unknown> };
    expect(body.checks['circuit-breakers']).toMatchObject({ status: 'degraded', details: { open: ['payments'] } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('circuit_breaker_state{breaker="payments"} 2');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="payments",event="open"} 1');
  });

  it('fails readiness while a breaker is open when configured', async () => {
    const { base, breakers } = await start({ resilience: { failReadinessWhenOpen: true } });
    await breakers
      .get('inventory', failing, { resetTimeout: 60_000 })
      .fire()
      .catch(() => undefined);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
  });

  it('rejects invalid config at boot', async () => {
    const { app } = testApp({
      config: { file: false, env: {}, overrides: { resilience: { defaults: { resetTimeout: -1 } } } },
    });
    running.push(app);
    app.register(resiliencePlugin);
    await expect(app.start()).rejects.toThrow(/resetTimeout/);
  });
});
