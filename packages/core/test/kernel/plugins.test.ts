import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type App, CoreErrors, createToken, definePlugin } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

let running: App[] = [];
afterEach(async () => {
  await Promise.all(running.map((a) => a.stop()));
  running = [];
});

function track(app: App): App {
  running.push(app);
  return app;
}

describe('plugin graph', () => {
  it('sets plugins up in dependency order, starts in that order and stops in exact reverse', async () => {
    const events: string[] = [];
    const mk = (name: string, dependsOn: string[] = [], optionalDependsOn: string[] = []) =>
      definePlugin({
        name,
        dependsOn,
        optionalDependsOn,
        setup(ctx) {
          events.push(`setup:${name}`);
          ctx.onStart(() => {
            events.push(`start:${name}`);
          });
          ctx.onStop(() => {
            events.push(`stop:${name}`);
          });
        },
      });
    const { app } = testApp();
    // Registered in the "wrong" order on purpose.
    app
      .register(mk('c', ['b']))
      .register(mk('b', ['a']))
      .register(mk('a'))
      .register(mk('d', [], ['c', 'zzz']));
    await app.start();
    expect(events).toEqual(['setup:a', 'setup:b', 'setup:c', 'setup:d', 'start:a', 'start:b', 'start:c', 'start:d']);
    events.length = 0;
    await app.stop();
    expect(events).toEqual(['stop:d', 'stop:c', 'stop:b', 'stop:a']);
    const report = app.bootReport();
    expect(report.plugins.map((p) => [p.name, p.order])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
    ]);
    for (const p of report.plugins) {
      expect(p.setupMs).toBeGreaterThanOrEqual(0);
      expect(p.startMs).toBeGreaterThanOrEqual(0);
      expect(p.stopMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('fails on a missing dependency naming the whole path', async () => {
    const { app } = testApp();
    app.register(definePlugin({ name: 'showcase', dependsOn: ['auth'], setup() {} }));
    app.register(definePlugin({ name: 'auth', dependsOn: ['redis'], setup() {} }));
    const err = await app.start().catch((e: unknown) => e);
    expect(CoreErrors.PLUGIN_MISSING_DEPENDENCY.is(err)).toBe(true);
    expect((err as Error).message).toContain('app → showcase → auth → redis');
    expect(app.state).toBe('failed');
  });

  it('fails on a cycle naming the cycle', async () => {
    const { app } = testApp();
    app.register(definePlugin({ name: 'a', dependsOn: ['b'], setup() {} }));
    app.register(definePlugin({ name: 'b', dependsOn: ['c'], setup() {} }));
    app.register(definePlugin({ name: 'c', dependsOn: ['a'], setup() {} }));
    const err = await app.start().catch((e: unknown) => e);
    expect(CoreErrors.PLUGIN_CYCLE.is(err)).toBe(true);
    expect((err as Error).message).toContain('a → b → c → a');
  });

  it('refuses a plugin registered twice', () => {
    const { app } = testApp();
    const p = definePlugin({ name: 'twice', setup() {} });
    app.register(p);
    expect(() => app.register(p)).toThrowError(/registered twice/);
    try {
      app.register(p);
    } catch (err) {
      expect(CoreErrors.PLUGIN_DUPLICATE.is(err)).toBe(true);
    }
  });

  it('times out a hanging hook with an error naming plugin and hook', async () => {
    const { app } = testApp({ config: { file: false, env: {}, overrides: { http: { hookTimeoutMs: 50 } } } });
    app.register(
      definePlugin({
        name: 'sleepy',
        setup(ctx) {
          ctx.onStart(() => new Promise(() => {}));
        },
      }),
    );
    const err = await app.start().catch((e: unknown) => e);
    expect(CoreErrors.PLUGIN_HOOK_TIMEOUT.is(err)).toBe(true);
    expect((err as Error).message).toBe('Plugin "sleepy" did not finish start within 50 ms');
  });

  it('a failing start stops the already-started plugins in reverse and disposes the container', async () => {
    const events: string[] = [];
    const Resource = createToken<{ dispose(): void }>('Resource');
    const { app } = testApp();
    const ok = (name: string) =>
      definePlugin({
        name,
        setup(ctx) {
          ctx.onStart(() => {
            events.push(`start:${name}`);
          });
          ctx.onStop(() => {
            events.push(`stop:${name}`);
          });
        },
      });
    app.register(ok('one')).register(ok('two'));
    app.register(
      definePlugin({
        name: 'broken',
        dependsOn: ['two'],
        setup(ctx) {
          ctx.container.register(Resource, { useFactory: () => ({ dispose: () => events.push('disposed') }) });
          ctx.onStart(() => {
            ctx.container.resolve(Resource);
            throw new Error('port in use');
          });
          ctx.onStop(() => {
            events.push('stop:broken');
          });
        },
      }),
    );
    const err = await app.start().catch((e: unknown) => e);
    expect(CoreErrors.PLUGIN_HOOK_FAILED.is(err)).toBe(true);
    expect((err as Error).message).toBe('Plugin "broken" failed in start: port in use');
    expect(events).toEqual(['start:one', 'start:two', 'stop:two', 'stop:one', 'disposed']);
  });

  it('validates config sections at boot with a message naming key and layer, before any setup', async () => {
    let setupRan = false;
    const { app } = testApp({
      config: { file: false, env: { KOAFORGE_GREETER__TIMES: 'many' } },
    });
    app.register(
      definePlugin({
        name: 'greeter',
        configSchema: z.object({ greeting: z.string(), times: z.number().int() }),
        defaults: { greeting: 'hello' },
        setup() {
          setupRan = true;
        },
      }),
    );
    const err = await app.start().catch((e: unknown) => e);
    expect(CoreErrors.CONFIG_INVALID.is(err)).toBe(true);
    expect((err as Error).message).toContain('greeter.times');
    expect((err as Error).message).toContain('KOAFORGE_GREETER__TIMES');
    expect(setupRan).toBe(false);
  });

  it('gives setup its validated config, a prefixed router, a child logger and health checks', async () => {
    const { app, lines } = testApp();
    app.register(
      definePlugin({
        name: 'greeter',
        configSchema: z.object({ greeting: z.string() }),
        defaults: { greeting: 'hello' },
        setup(ctx) {
          ctx.log.info('set up');
          ctx.router.get('/greet/:name', (c) => {
            c.body = { text: `${ctx.config.greeting} ${c.params.name}` };
          });
          ctx.addHealthCheck({ name: 'greeter', check: () => ({ details: { fine: true } }) });
        },
      }),
      undefined,
      { prefix: '/api' },
    );
    track(app);
    const base = await listen(app);
    const res = await fetch(`${base}/api/greet/ada`);
    expect(await res.json()).toEqual({ text: 'hello ada' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks.greeter).toMatchObject({
      status: 'ok',
      details: { fine: true },
    });
    expect(lines.some((l) => l.plugin === 'greeter' && l.msg === 'set up')).toBe(true);
  });

  it('passes typed register options to setup', async () => {
    const seen: Array<{ n: number }> = [];
    const p = definePlugin<{ n: number }>({
      name: 'opts',
      setup(_ctx, options) {
        seen.push(options);
      },
    });
    const { app } = testApp();
    app.register(p, { n: 3 });
    await app.start();
    track(app);
    expect(seen).toEqual([{ n: 3 }]);
  });

  it('refuses to register after start and to start twice concurrently gives one boot', async () => {
    let setups = 0;
    const { app } = testApp();
    app.register(
      definePlugin({
        name: 'once',
        setup() {
          setups++;
        },
      }),
    );
    track(app);
    await Promise.all([app.start(), app.start()]);
    expect(setups).toBe(1);
    expect(() => app.register(definePlugin({ name: 'late', setup() {} }))).toThrowError(/state "started"/);
    expect(() => app.use(async () => {})).toThrowError(/Cannot add middleware/);
  });
});
