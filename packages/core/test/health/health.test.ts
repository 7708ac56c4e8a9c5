import { describe, expect, it } from 'vitest';
import { HealthRegistry } from '../../src/index.js';

describe('HealthRegistry', () => {
  it('is not ready before the ready phase, and fails on a failing or slow critical check', async () => {
    const h = new HealthRegistry({ exposeErrors: true });
    let aborted = false;
    h.add({ name: 'fine', check: () => undefined });
    h.add({
      name: 'slow',
      timeoutMs: 30,
      check: (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(undefined);
          });
        }),
    });
    h.add({ name: 'optional', critical: false, check: () => Promise.reject(new Error('cache cold')) });
    expect((await h.readiness()).status).toBe('fail');
    h.setPhase('ready');
    const report = await h.readiness();
    expect(report.status).toBe('fail');
    expect(report.checks.slow).toMatchObject({ status: 'timeout', critical: true });
    expect(report.checks.optional).toMatchObject({ status: 'fail', error: 'cache cold', critical: false });
    expect(report.checks.fine?.status).toBe('ok');
    expect(aborted).toBe(true);
    h.remove('slow');
    expect((await h.readiness()).status).toBe('ok');
  });

  it('hides check error messages when asked (production default)', async () => {
    const h = new HealthRegistry({ exposeErrors: false });
    h.add({
      name: 'db',
      check: () => {
        throw new Error('password auth failed for 10.1.1.1');
      },
    });
    h.setPhase('ready');
    const report = await h.readiness();
    expect(report.checks.db?.error).toBe('check failed');
  });

  it('refuses two checks with one name', () => {
    const h = new HealthRegistry();
    h.add({ name: 'x', check: () => undefined });
    expect(() => h.add({ name: 'x', check: () => undefined })).toThrow(/already registered/);
  });
});
