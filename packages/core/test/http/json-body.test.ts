import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainJson } from '../../src/http/json-body.js';
import { type App, jsonBodies } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function request(base: string, path: string, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        const { date: _date, ...headers } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Every kind of body Koa knows, set by one route each. */
function routes(app: Koa): void {
  app.use(async (ctx, next) => {
    switch (ctx.path) {
      case '/object':
        ctx.body = { hello: 'world', n: 1 };
        return;
      case '/array':
        ctx.body = [1, 'two', { three: 3 }];
        return;
      case '/null-proto':
        ctx.body = Object.assign(Object.create(null) as object, { a: 1 });
        return;
      case '/class':
        ctx.body = new Point(1, 2);
        return;
      case '/created':
        ctx.status = 201;
        ctx.body = { id: 7 };
        return;
      case '/vendor-type':
        ctx.type = 'application/vnd.api+json';
        ctx.body = { data: [] };
        return;
      case '/text-type-then-object':
        ctx.type = 'text/plain';
        ctx.body = { a: 1 };
        return;
      case '/no-content':
        ctx.status = 204;
        ctx.body = { ignored: true };
        return;
      case '/string':
        ctx.body = 'plain text';
        return;
      case '/buffer':
        ctx.body = Buffer.from('bytes');
        return;
      case '/stream':
        ctx.body = Readable.from(['a', 'b']);
        return;
      case '/null':
        ctx.body = null;
        return;
      case '/length-then-object':
        ctx.length = 999;
        ctx.body = { a: 1 };
        return;
      case '/read-back': {
        const body = { a: 1 };
        ctx.body = body;
        ctx.body = { same: ctx.body === body };
        return;
      }
      default:
        await next();
    }
  });
}

async function serve(app: Koa): Promise<{ base: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

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
  let koa: { base: string; close: () => Promise<void> };
  let lean: { base: string; close: () => Promise<void> };

  beforeAll(async () => {
    const plain = new Koa();
    routes(plain);
    koa = await serve(plain);
    const withJson = new Koa();
    withJson.use(jsonBodies(withJson));
    routes(withJson);
    lean = await serve(withJson);
  });
  afterAll(async () => {
    await koa.close();
    await lean.close();
  });

  const paths = [
    '/object',
    '/array',
    '/null-proto',
    '/class',
    '/created',
    '/vendor-type',
    '/text-type-then-object',
    '/no-content',
    '/string',
    '/buffer',
    '/stream',
    '/null',
    '/length-then-object',
    '/read-back',
    '/missing',
  ];
  for (const path of paths) {
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
    expect(JSON.parse(res.body)).toEqual({ same: true });
  });

  it('replacing a stream body with an object still destroys the stream (Koa cleans it up)', async () => {
    const app = new Koa();
    app.use(jsonBodies(app));
    const stream = new PassThrough();
    app.use((ctx) => {
      ctx.body = stream;
      ctx.body = { replaced: true };
    });
    const s = await serve(app);
    try {
      const res = await request(s.base, '/');
      expect(JSON.parse(res.body)).toEqual({ replaced: true });
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
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(JSON.parse(res.body)).toEqual({ ok: true });
  });

  for (const path of ['/cycle', '/bigint']) {
    it(`answers a body JSON cannot hold (${path}) as a 500 problem, and keeps serving`, async () => {
      const res = await request(base, path);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body)).toMatchObject({ code: 'INTERNAL', requestId: res.headers['x-request-id'] });
      expect((await request(base, '/object')).status).toBe(200);
    });
  }

  it('still sends a web Response body (Koa path)', async () => {
    const res = await request(base, '/web-response');
    expect(res.body).toBe('from a Response');
    expect(res.headers['x-from']).toBe('response');
  });
});

describe('memory', () => {
  it('a kernel app answering JSON and problems never loads undici (≈ 8 MiB of RSS)', () => {
    // A child process: this test process may have loaded undici for its own fetch calls.
    const script = `
      import http from 'node:http';
      import { createApp } from '@koaforge/core';
      const app = createApp({ config: { file: false, env: {} }, logger: { level: 'silent' } });
      app.router.get('/json', (ctx) => { ctx.body = { a: [1, 2] }; });
      app.router.get('/fail', () => { throw new Error('boom'); });
      const { port } = await app.listen(0, '127.0.0.1');
      const get = (path) => new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path }, (res) => {
        let body = ''; res.on('data', (d) => { body += d; }); res.on('end', () => resolve(res.statusCode + ' ' + body));
      }).on('error', reject));
      const answers = [await get('/json'), await get('/fail'), await get('/nope'), await get('/healthz')];
      await app.stop();
      console.log(JSON.stringify({ answers, undici: process.moduleLoadList.filter((m) => m.includes('undici')) }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { answers: string[]; undici: string[] };
    expect(result.answers[0]).toBe('200 {"a":[1,2]}');
    expect(result.answers[1]).toMatch(/^500 \{.*"code":"INTERNAL"/);
    expect(result.answers[2]).toMatch(/^404 \{.*"code":"ROUTE_NOT_FOUND"/);
    expect(result.answers[3]).toMatch(/^200 /);
    expect(result.undici).toEqual([]);
  });
});
