import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainJson } from '../../src/http/json-body.js';
import { type App, jsonBodies } from '../../src/index.js';
import { type KoaListening, listenKoa, rawRequest } from '../../src/testing/index.js';
import { EVERY_PATH, everyBody, Point, answerOf as request } from '../fixtures/bodies.js';
import { listen, testApp } from '../helpers.js';

describe('isPlainJson', () => {
  it('is true for object literals, null-prototype objects and arrays only', () => {
    expect(isPlainJson({})).toBe(true);
    expect(isPlainJson(Object.create(null))).toBe(true);
    expect(isPlainJson([])).toBe(true);
    for (const other of [null, undefined, 'x', 1, Buffer.from('x'), new Point(1, 2), new PassThrough(), new Map()]) {
      expect(isPlainJson(other)).toBe(false);
    }
    class List extends Array {}
    expect(isPlainJson(new List())).toBe(false);
  });
});

describe('jsonBodies() on plain Koa', () => {
  let koa: KoaListening;
  let lean: KoaListening;

  beforeAll(async () => {
    const plain = new Koa();
    plain.silent = true;
    plain.use(everyBody);
    koa = await listenKoa(plain);
    const withJson = new Koa();
    withJson.use(jsonBodies(withJson));
    withJson.silent = true;
    withJson.use(everyBody);
    lean = await listenKoa(withJson);
  });
  afterAll(async () => {
    await koa.close();
    await lean.close();
  });

  for (const path of EVERY_PATH) {
    for (const method of ['GET', 'HEAD']) {
      it(`answers ${method} ${path} byte for byte as Koa does`, async () => {
        const [expected, actual] = await Promise.all([
          request(koa.base, path, method),
          request(lean.base, path, method),
        ]);
        expect(actual).toEqual(expected);
      });
    }
  }

  it('keeps the object readable through ctx.body until the response is sent', async () => {
    const res = await request(lean.base, '/read-back');
    expect(JSON.parse(res.text)).toEqual({ same: true });
  });

  it('replacing a stream body with an object still destroys the stream (Koa cleans it up)', async () => {
    const app = new Koa();
    app.use(jsonBodies(app));
    const stream = new PassThrough();
    app.use((ctx) => {
      ctx.body = stream;
      ctx.body = { replaced: true };
    });
    const s = await listenKoa(app);
    try {
      const res = await request(s.base, '/');
      expect(JSON.parse(res.text)).toEqual({ replaced: true });
      expect(stream.destroyed).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('the kernel sends JSON bodies itself', () => {
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = testApp().app;
    app.router.get('/cycle', (ctx) => {
      const a: Record<string, unknown> = {};
      a.self = a;
      ctx.body = a;
    });
    app.router.get('/bigint', (ctx) => {
      ctx.body = { n: 1n };
    });
    app.router.get('/web-response', (ctx) => {
      ctx.body = new Response('from a Response', { headers: { 'x-from': 'response' } });
    });
    app.router.get('/object', (ctx) => {
      ctx.body = { ok: true };
    });
    base = await listen(app);
  });
  afterAll(() => app.stop());

  it('sends an object as JSON with its exact length', async () => {
    const res = await request(base, '/object');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
    expect(JSON.parse(res.text)).toEqual({ ok: true });
  });

  for (const path of ['/cycle', '/bigint']) {
    it(`answers a body JSON cannot hold (${path}) as a 500 problem, and keeps serving`, async () => {
      const res = await rawRequest(base, path);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'INTERNAL', requestId: res.headers['x-request-id'] });
      expect((await request(base, '/object')).status).toBe(200);
    });
  }

  it('without the error boundary, an unserialisable body escapes to Koa (500) and is logged as 500', async () => {
    const t = testApp({ features: { errorBoundary: false } });
    t.app.router.get('/cycle', (ctx) => {
      const a: Record<string, unknown> = {};
      a.self = a;
      ctx.body = a;
    });
    const bare = await listen(t.app);
    try {
      const res = await request(bare, '/cycle');
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
      expect(t.lines.find((l) => l.msg === 'request' && l.path === '/cycle')).toMatchObject({ status: 500, level: 50 });
    } finally {
      await t.app.stop();
    }
  });

  it('still sends a web Response body (Koa path)', async () => {
    const res = await request(base, '/web-response');
    expect(res.text).toBe('from a Response');
    expect(res.headers['x-from']).toBe('response');
  });
});

describe('memory', () => {
  /**
   * Serves JSON, a 500, a 404 and `/healthz` in a child process (this test process may have loaded
   * undici for its own fetch calls) and says whether undici was loaded. Uses the built package.
   */
  function serveInChild(setup: 'kernel' | 'koa' | 'koa-json-bodies'): { answers: string[]; undici: boolean } {
    const script = `
      import Koa from 'koa';
      import { createApp, jsonBodies } from '@koaforge/core';
      import { listenKoa, rawRequest } from '@koaforge/core/testing';
      const setup = ${JSON.stringify(setup)};
      const routes = (ctx) => {
        if (ctx.path === '/json') ctx.body = { a: [1, 2] };
        else if (ctx.path === '/fail') throw new Error('boom');
        else if (ctx.path === '/healthz') ctx.body = { status: 'ok' };
      };
      let base, close;
      if (setup === 'kernel') {
        const app = createApp({ config: { file: false, env: {} }, logger: { level: 'silent' } });
        app.router.get('/json', routes);
        app.router.get('/fail', routes);
        const { port } = await app.listen(0, '127.0.0.1');
        base = 'http://127.0.0.1:' + port;
        close = () => app.stop();
      } else {
        const koa = new Koa();
        koa.silent = true;
        if (setup === 'koa-json-bodies') koa.use(jsonBodies(koa));
        koa.use(routes);
        ({ base, close } = await listenKoa(koa));
      }
      const answers = [];
      for (const path of ['/json', '/fail', '/nope', '/healthz']) {
        const res = await rawRequest(base, path);
        answers.push(res.status + ' ' + res.text);
      }
      await close();
      console.log(JSON.stringify({ answers, undici: process.moduleLoadList.some((m) => m.includes('undici')) }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { answers: string[]; undici: boolean };
  }

  it('plain Koa loads undici on its first JSON answer (what the rest of this block avoids)', () => {
    const result = serveInChild('koa');
    expect(result.answers[0]).toBe('200 {"a":[1,2]}');
    expect(result.undici).toBe(true);
  });

  it('a kernel app answering JSON, problems and health never loads undici (≈ 8 MiB of RSS)', () => {
    const result = serveInChild('kernel');
    expect(result.answers[0]).toBe('200 {"a":[1,2]}');
    expect(result.answers[1]).toMatch(/^500 \{.*"code":"INTERNAL"/);
    expect(result.answers[2]).toMatch(/^404 \{.*"code":"ROUTE_NOT_FOUND"/);
    expect(result.answers[3]).toMatch(/^200 \{/);
    expect(result.undici).toBe(false);
  });

  it('plain Koa with jsonBodies(app) never loads undici either', () => {
    const result = serveInChild('koa-json-bodies');
    expect(result.answers[0]).toBe('200 {"a":[1,2]}');
    expect(result.answers[3]).toBe('200 {"status":"ok"}');
    expect(result.undici).toBe(false);
  });
});
