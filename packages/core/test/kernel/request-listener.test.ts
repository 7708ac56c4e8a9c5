import { PassThrough } from 'node:stream';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, definePlugin } from '../../src/index.js';
import { type KoaListening, listenKoa } from '../../src/testing/index.js';
import { ERROR_PATHS, EVERY_PATH, everyBody, answerOf as request } from '../fixtures/bodies.js';
import { listen, testApp } from '../helpers.js';

// The kernel sends responses with its own listener (`respond`, ported from Koa 3, which does not
// export it). These tests hold it to Koa's bytes for every kind of body, on real sockets.

const withBodies = definePlugin({
  name: 'bodies',
  setup(ctx) {
    ctx.use(everyBody);
  },
});

describe('the kernel listener answers as Koa does', () => {
  let koa: KoaListening;
  let bare: App;
  let bareBase: string;
  let full: App;
  let fullBase: string;

  beforeAll(async () => {
    const plain = new Koa();
    plain.silent = true;
    plain.use(everyBody);
    koa = await listenKoa(plain);
    bare = testApp({ features: false }).app.register(withBodies);
    bareBase = await listen(bare);
    full = testApp().app.register(withBodies);
    fullBase = await listen(full);
  });
  afterAll(async () => {
    await koa.close();
    await bare.stop();
    await full.stop();
  });

  for (const path of EVERY_PATH) {
    for (const method of ['GET', 'HEAD']) {
      it(`${method} ${path}: the bare kernel's bytes equal Koa's`, async () => {
        const [expected, actual] = await Promise.all([
          request(koa.base, path, method),
          request(bareBase, path, method),
        ]);
        expect(actual).toEqual(expected);
      });
    }
  }

  // With the core defaults, errors and unrouted requests are answered as problem+json (tested
  // elsewhere); every body a handler sets still goes out as Koa would send it.
  for (const path of EVERY_PATH.filter((p) => !ERROR_PATHS.includes(p))) {
    it(`GET ${path}: the kernel with its defaults sends the body as Koa does`, async () => {
      const [expected, actual] = await Promise.all([request(koa.base, path), request(fullBase, path)]);
      expect(actual).toEqual(expected);
    });
  }
});

describe('the kernel listener on failures', () => {
  it('hands an error escaping every middleware to Koa’s error event, and answers 500 without detail', async () => {
    const { app, lines } = testApp({ features: false });
    app.register(withBodies);
    const base = await listen(app);
    try {
      const res = await request(base, '/crash');
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
      expect(lines.find((l) => l.msg === 'unhandled error in Koa')).toMatchObject({
        err: { message: 'secret detail' },
      });
    } finally {
      await app.stop();
    }
  });

  it('reports a streamed body that fails midway, and keeps serving', async () => {
    const { app, lines } = testApp();
    app.router.get('/broken', (ctx) => {
      const stream = new PassThrough();
      stream.write('partial ');
      setTimeout(() => stream.destroy(new Error('disk went away')), 10);
      ctx.body = stream;
    });
    app.router.get('/ok', (ctx) => {
      ctx.body = { ok: true };
    });
    const base = await listen(app);
    try {
      await expect(fetch(`${base}/broken`).then((r) => r.text())).rejects.toThrow();
      for (let i = 0; i < 50 && !lines.some((l) => l.msg === 'unhandled error in Koa'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(lines.find((l) => l.msg === 'unhandled error in Koa')).toMatchObject({
        err: { message: 'disk went away' },
      });
      expect(await (await fetch(`${base}/ok`)).json()).toEqual({ ok: true });
    } finally {
      await app.stop();
    }
  });

  it('answers 500 when the error answer itself cannot be sent as JSON, and keeps serving', async () => {
    const { app } = testApp();
    app.router.get('/cycle', (ctx) => {
      const a: Record<string, unknown> = {};
      a.self = a;
      ctx.body = a;
    });
    const base = await listen(app);
    try {
      const res = await request(base, '/cycle');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect((await request(base, '/cycle')).status).toBe(500);
    } finally {
      await app.stop();
    }
  });
});
