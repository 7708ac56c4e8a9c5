import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

function get(url: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('lets a slow request in flight when stop begins complete, fails readiness meanwhile, refuses new connections', async () => {
    const events: string[] = [];
    const { app } = testApp();
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    app.register(
      definePlugin({
        name: 'slow',
        setup(ctx) {
          ctx.router.get('/slow', async (c) => {
            entered();
            await new Promise<void>((r) => {
              release = r;
            });
            c.body = { done: true };
          });
          ctx.onStop(() => {
            events.push('onStop');
          });
        },
      }),
    );
    const base = await listen(app);
    const slow = get(`${base}/slow`);
    await inHandler;
    const stopping = app.stop({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(app.health.phase).toBe('draining');
    expect((await app.health.readiness()).status).toBe('fail');
    // The listener is closed: a new connection is refused.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(events).toEqual([]); // onStop waits for the drain
    release();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ done: true });
    expect(res.headers.connection).toBe('close');
    await stopping;
    expect(events).toEqual(['onStop']);
    expect(app.state).toBe('stopped');
  });

  it('drains a keep-alive connection (fetch) whose request was running when stop began', async () => {
    const { app } = testApp();
    app.router.get('/slow', async (c) => {
      await new Promise((r) => setTimeout(r, 300));
      c.body = { done: true };
    });
    const base = await listen(app);
    expect((await fetch(`${base}/slow`)).status).toBe(200); // the connection is now kept alive
    const pending = fetch(`${base}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    // The deadline is far beyond the test's timeout: had the drain waited for it, the test would fail.
    await app.stop({ timeoutMs: 120_000 });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
  });

  it('cuts requests still running at the deadline and still runs onStop', async () => {
    const events: string[] = [];
    const { app, lines } = testApp();
    app.register(
      definePlugin({
        name: 'hang',
        setup(ctx) {
          ctx.router.get('/hang', () => new Promise(() => {}));
          ctx.onStop(() => {
            events.push('onStop');
          });
        },
      }),
    );
    const base = await listen(app);
    const hanging = get(`${base}/hang`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    await app.stop({ timeoutMs: 100 });
    expect(await hanging).toBeInstanceOf(Error);
    expect(events).toEqual(['onStop']);
    expect(lines.some((l) => l.msg === 'shutdown deadline reached; closed connections still busy' && l.cut === 1)).toBe(
      true,
    );
  });

  it('readiness is false until start completes', async () => {
    const { app } = testApp();
    let release: () => void = () => {};
    app.register(
      definePlugin({
        name: 'slow-start',
        setup(ctx) {
          ctx.onStart(
            () =>
              new Promise<void>((r) => {
                release = r;
              }),
          );
        },
      }),
    );
    const starting = app.start();
    await new Promise((r) => setTimeout(r, 20));
    expect((await app.health.readiness()).status).toBe('fail');
    expect(app.health.phase).toBe('starting');
    release();
    await starting;
    expect((await app.health.readiness()).status).toBe('ok');
    await app.stop();
  });

  it('handleSignals stops the app on SIGTERM and can be removed', async () => {
    const { app } = testApp();
    await app.start();
    const remove = app.handleSignals(['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBeGreaterThan(0);
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    await app.stop();
  });
});
