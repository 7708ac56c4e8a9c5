import { createHook } from 'node:async_hooks';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import Router from '@koa/router';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, currentContext, definePlugin } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** A plugin with middleware in the `observe` phase: the core's three phases then run separately. */
const observer = definePlugin({
  name: 'observer',
  setup(ctx) {
    ctx.use((_c, next) => next(), { phase: 'observe' });
  },
});

function build(split: boolean) {
  const t = testApp();
  if (split) t.app.register(observer);
  t.app.router.get('/ok', (ctx) => {
    ctx.body = { requestId: currentContext()?.requestId };
  });
  t.app.router.get('/boom', () => {
    throw new Error('secret detail');
  });
  app = t.app;
  return t;
}

/** Async resources, by type, created while one request goes through a listener (fake socket, no network). */
async function resourcesPerRequest(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<Map<string, number>> {
  const once = () =>
    new Promise<void>((resolve) => {
      const socket = new Writable({ write: (_c, _e, cb) => cb() });
      const req = new IncomingMessage(socket as never);
      Object.assign(req, { method: 'GET', url: '/ok', headers: { host: 'x' } });
      req.push(null);
      const res = new ServerResponse(req);
      res.assignSocket(socket as never);
      res.once('finish', () => resolve());
      handler(req, res);
    });
  await once();
  const counts = new Map<string, number>();
  const hook = createHook({
    init(_id, type) {
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
  }).enable();
  await once();
  hook.disable();
  return counts;
}

const promisesPerRequest = async (handler: Parameters<typeof resourcesPerRequest>[0]) =>
  (await resourcesPerRequest(handler)).get('PROMISE') ?? 0;

describe.each([
  ['as one middleware', false],
  ['as three, around plugin middleware', true],
])('core phases %s', (_label, split) => {
  it('answer with the request id, context, problem+json, metrics and access log', async () => {
    const { app: a, lines } = build(split);
    const base = await listen(a);
    const ok = await fetch(`${base}/ok`, { headers: { 'X-Request-Id': 'req-1' } });
    expect(ok.headers.get('x-request-id')).toBe('req-1');
    expect(await ok.json()).toEqual({ requestId: 'req-1' });
    const boom = await fetch(`${base}/boom`, { headers: { 'X-Request-Id': 'req-2' } });
    expect(boom.status).toBe(500);
    expect(boom.headers.get('content-type')).toBe('application/problem+json');
    expect(boom.headers.get('x-request-id')).toBe('req-2');
    expect(JSON.stringify(await boom.json())).not.toContain('secret');
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/boom",status="500"\} 1/);
    // The scrape itself is in flight.
    expect(metrics).toMatch(/http_requests_in_flight 1\n/);
    await a.stop();
    const access = lines.filter((l) => l.msg === 'request');
    expect(access.map((l) => [l.requestId, l.status])).toEqual(
      expect.arrayContaining([
        ['req-1', 200],
        ['req-2', 500],
      ]),
    );
    expect(lines.find((l) => l.msg === 'request failed')).toMatchObject({ requestId: 'req-2', code: 'INTERNAL' });
  });

  it('lists the core phases in the boot report either way', async () => {
    const { app: a } = build(split);
    await a.start();
    const core = a
      .bootReport()
      .middleware.filter((m) => m.owner === 'core')
      .map((m) => `${m.phase}:${m.name}`);
    expect(core).toEqual([
      'context:requestContextMiddleware',
      'observe:observeRequestsMiddleware',
      'error:errorBoundaryMiddleware',
      'routes:bodyParserMiddleware',
    ]);
  });
});

describe('core phases folded', () => {
  it('run as one Koa middleware frame when no plugin uses those phases, three otherwise', async () => {
    const folded = build(false).app;
    await folded.start();
    // core + body parser + router + route fallback
    expect(folded.koa.middleware).toHaveLength(4);
    await folded.stop();
    const split = build(true).app;
    await split.start();
    // context + observe + plugin + error + body parser + router + route fallback
    expect(split.koa.middleware).toHaveLength(7);
  });

  it('create fewer promises per request than Koa + @koa/router alone, and three fewer than split', async () => {
    const folded = build(false).app;
    await folded.start();
    const foldedCount = await promisesPerRequest(folded.callback());
    await folded.stop();
    const split = build(true).app;
    await split.start();
    // Split, each of the three continues after `next()` (the context one to send JSON as a string),
    // and the listener's own `then` sends; folded, that one `then` does everything. The plugin's
    // `(c, next) => next()` adds no promise of its own.
    expect(await promisesPerRequest(split.callback())).toBe(foldedCount + 3);
    // Koa's own listener: the route's promise, `.then(respond)` and `.catch(onerror)`.
    const koa = new Koa();
    const router = new Router();
    router.get('/ok', (ctx) => {
      ctx.body = { requestId: undefined };
    });
    koa.use(router.routes());
    expect(foldedCount).toBeLessThan(await promisesPerRequest(koa.callback()));
  });

  it('attach no on-finished listener per request (Koa does: an AsyncResource named after its onerror)', async () => {
    const folded = build(false).app;
    await folded.start();
    expect((await resourcesPerRequest(folded.callback())).has('onerror')).toBe(false);
    // The same app's Koa, through Koa's own listener: the resource is there, so the check can see it.
    expect((await resourcesPerRequest(folded.koa.callback())).get('onerror')).toBe(1);
  });
});
