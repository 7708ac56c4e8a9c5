import { afterEach, describe, expect, it } from 'vitest';
import { type App, currentContext, definePlugin } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('phases', () => {
  it('orders middleware by phase, not by registration order; registration order inside a phase', async () => {
    const seen: string[] = [];
    const mark = (label: string) => async (_: unknown, next: () => Promise<void>) => {
      seen.push(label);
      await next();
    };
    const t = testApp();
    app = t.app;
    app.register(
      definePlugin({
        name: 'late-registered-early-phase',
        setup(ctx) {
          ctx.use(mark('limit-1'), { phase: 'limit' });
          ctx.use(mark('tenant'), { phase: 'tenant' });
          ctx.use(mark('routes'), { phase: 'routes' });
          ctx.use(mark('authenticate'), { phase: 'authenticate' });
          ctx.use(mark('limit-2'), { phase: 'limit' });
          ctx.use(
            async (_c, next) => {
              // Below the context phase the request context exists.
              seen.push(currentContext() ? 'observe-has-context' : 'observe-no-context');
              await next();
            },
            { phase: 'observe' },
          );
        },
      }),
    );
    app.router.get('/x', (c) => {
      c.body = { ok: true };
    });
    const base = await listen(app);
    const res = await fetch(`${base}/x`);
    expect(res.status).toBe(200);
    expect(seen).toEqual(['observe-has-context', 'authenticate', 'tenant', 'limit-1', 'limit-2', 'routes']);
    const phases = app.bootReport().middleware.map((m) => `${m.phase}:${m.owner}`);
    expect(phases[0]).toBe('context:core');
    expect(phases.indexOf('error:core')).toBeLessThan(phases.indexOf('tenant:late-registered-early-phase'));
  });

  it('errors thrown in tenant/auth/limit phases are answered by the boundary as problem+json', async () => {
    const t = testApp();
    app = t.app;
    app.use(
      () => {
        throw Object.assign(new Error('nope'), { status: 401, expose: true });
      },
      { phase: 'authenticate' },
    );
    const base = await listen(app);
    const res = await fetch(`${base}/anything`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 401, code: 'HTTP_401', detail: 'nope' });
  });
});
