import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, CoreErrors, createError, defineErrors, errorBoundary, requestContext } from '../../src/index.js';
import { listenKoa } from '../../src/testing/index.js';
import { listen, testApp } from '../helpers.js';

const Errors = defineErrors({
  DEMO_CONFLICT: { status: 409, message: 'Already exists' },
  DEMO_BROKEN: { status: 502, message: 'upstream 10.0.0.7 said no', retryable: true },
});

let app: App;
let base: string;
let lines: Array<Record<string, unknown>>;

beforeAll(async () => {
  const t = testApp({ config: { file: false, env: {}, overrides: { http: { bodyLimit: 1024 } } } });
  app = t.app;
  lines = t.lines;
  app.router.post('/echo', (ctx) => {
    ctx.body = { got: ctx.request.body ?? null };
  });
  app.router.get('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  app.router.put('/items/:id', (ctx) => {
    ctx.status = 204;
  });
  app.router.get('/conflict', () => {
    throw Errors.DEMO_CONFLICT('Item 7 already exists', { details: { item: 7, status: 999 } });
  });
  app.router.get('/bad-gateway', () => {
    throw Errors.DEMO_BROKEN();
  });
  app.router.get('/crash', (ctx) => {
    ctx.set('Set-Cookie', 'session=leak');
    throw new Error('db password=hunter2 at 10.0.0.5');
  });
  app.router.get('/throw-string', () => {
    throw 'a string';
  });
  app.router.get('/retry', () => {
    throw createError('DEMO_BUSY', 429, 'Slow down', { headers: { 'Retry-After': '7' } });
  });
  base = await listen(app);
});
afterAll(() => app.stop());

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  expect(body.status).toBe(res.status);
  return body;
}

describe('problem+json error boundary', () => {
  it('answers catalogue errors with code, title, detail and safe details', async () => {
    const res = await fetch(`${base}/conflict`);
    expect(res.status).toBe(409);
    const body = await problem(res);
    expect(body).toMatchObject({
      type: 'about:blank',
      code: 'DEMO_CONFLICT',
      detail: 'Item 7 already exists',
      item: 7,
    });
    expect(body.status).toBe(409); // details cannot overwrite reserved members
  });

  it('never leaks the message, stack or headers of an unknown error; logs it with the request id', async () => {
    const res = await fetch(`${base}/crash`, { headers: { 'X-Request-Id': 'crash-1' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('set-cookie')).toBeNull();
    const text = await res.clone().text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('10.0.0.5');
    expect(text).not.toContain('at ');
    const body = await problem(res);
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'INTERNAL',
      requestId: 'crash-1',
    });
    const logged = lines.find((l) => l.requestId === 'crash-1' && l.msg === 'request failed');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('stack');
  });

  it('does not expose 5xx catalogue messages either', async () => {
    const res = await fetch(`${base}/bad-gateway`);
    expect(res.status).toBe(502);
    const body = await problem(res);
    expect(body.code).toBe('DEMO_BROKEN');
    expect(body.detail).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
  });

  it('answers non-Error throws as INTERNAL', async () => {
    const res = await fetch(`${base}/throw-string`);
    expect(res.status).toBe(500);
    expect((await problem(res)).code).toBe('INTERNAL');
  });

  it('sets headers the error asks for', async () => {
    const res = await fetch(`${base}/retry`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect((await problem(res)).code).toBe('DEMO_BUSY');
  });
});

describe('routing fallbacks', () => {
  it('404 ROUTE_NOT_FOUND for unmatched paths', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe('ROUTE_NOT_FOUND');
  });

  it('405 METHOD_NOT_ALLOWED with Allow for a known path and wrong method', async () => {
    const res = await fetch(`${base}/items/3`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'PUT']);
    expect((await problem(res)).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('OPTIONS answers 204 with Allow', async () => {
    const res = await fetch(`${base}/items/3`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toContain('PUT');
  });
});

describe('body parser', () => {
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${base}/echo`, { method: 'POST', body, headers });

  it('parses JSON', async () => {
    const res = await post('{"a":[1,2]}');
    expect(await res.json()).toEqual({ got: { a: [1, 2] } });
  });

  it('parses +json types and forms and text', async () => {
    expect(await (await post('{"x":1}', { 'content-type': 'application/merge-patch+json' })).json()).toEqual({
      got: { x: 1 },
    });
    expect(await (await post('a=1&b=two', { 'content-type': 'application/x-www-form-urlencoded' })).json()).toEqual({
      got: { a: '1', b: 'two' },
    });
    expect(await (await post('hello', { 'content-type': 'text/plain' })).json()).toEqual({ got: 'hello' });
  });

  it('400 BODY_MALFORMED for invalid JSON', async () => {
    for (const bad of ['{"a":', '{a:1}', 'undefined', '\u0000']) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect((await problem(res)).code).toBe('BODY_MALFORMED');
    }
  });

  it('413 BODY_TOO_LARGE over the limit (declared length and chunked)', async () => {
    const big = JSON.stringify({ s: 'x'.repeat(2000) });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe('BODY_TOO_LARGE');
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await fetch(`${base}/echo`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('415 for unsupported charset or content encoding, malformed content type', async () => {
    const charset = await post('{}', { 'content-type': 'application/json; charset=latin1' });
    expect(charset.status).toBe(415);
    expect((await problem(charset)).code).toBe('BODY_ENCODING_UNSUPPORTED');
    const gz = await post('{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gz.status).toBe(415);
    const malformed = await post('{}', { 'content-type': '/;;' });
    expect(malformed.status).toBe(415);
    expect((await problem(malformed)).code).toBe('BODY_UNSUPPORTED_TYPE');
  });

  it('a __proto__ key stays data and does not pollute prototypes', async () => {
    const res = await post('{"__proto__":{"polluted":true}}');
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps running after a burst of bad bodies', async () => {
    await Promise.all(Array.from({ length: 20 }, () => post('{')));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('request id', () => {
  it('echoes a sane incoming id and replaces an insane one', async () => {
    const ok = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    const bad = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(500) } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const none = await fetch(`${base}/healthz`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(none.headers.get('x-request-id')).not.toBe(bad.headers.get('x-request-id'));
  });

  it('is on error answers too', async () => {
    const res = await fetch(`${base}/nope`, { headers: { 'X-Request-Id': 'trace.me' } });
    expect(res.headers.get('x-request-id')).toBe('trace.me');
  });

  it("is kept on error answers under a custom header name, while the handler's headers are dropped", async () => {
    const koa = new Koa();
    koa.use(requestContext({ header: 'X-Correlation-Id' }));
    koa.use(errorBoundary());
    koa.use((ctx) => {
      ctx.set('Set-Cookie', 'session=leak');
      throw Errors.DEMO_CONFLICT();
    });
    const { base: koaBase, close } = await listenKoa(koa);
    try {
      const res = await fetch(koaBase, { headers: { 'X-Correlation-Id': 'trace.me' } });
      expect(res.status).toBe(409);
      expect(res.headers.get('x-correlation-id')).toBe('trace.me');
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('x-request-id')).toBeNull();
    } finally {
      await close();
    }
  });
});

describe('catalogue', () => {
  it('refuses bad codes and statuses', () => {
    expect(() => defineErrors({ lower_case: { status: 400, message: 'x' } })).toThrow(/UPPER_SNAKE/);
    expect(() => defineErrors({ OK_CODE: { status: 200, message: 'x' } })).toThrow(/400-599/);
  });

  it('brand checks survive a second copy of core (no instanceof)', () => {
    const foreign = { code: 'X', status: 400 };
    Object.defineProperty(foreign, Symbol.for('koaforge.error'), { value: true });
    expect(CoreErrors.INTERNAL.is(CoreErrors.INTERNAL())).toBe(true);
    expect(CoreErrors.INTERNAL.is(foreign)).toBe(false);
    expect(Errors.DEMO_CONFLICT.is({ ...foreign, code: 'DEMO_CONFLICT', [Symbol.for('koaforge.error')]: true })).toBe(
      true,
    );
  });
});

describe('headers on error answers', () => {
  it('drops handler headers but keeps request id, rate-limit and CORS headers', async () => {
    const { app: a } = testApp();
    a.use(
      async (ctx, next) => {
        ctx.set('Access-Control-Allow-Origin', 'https://app.test');
        ctx.set('RateLimit', '"per-ip";r=9;t=60');
        await next();
      },
      { phase: 'limit' },
    );
    a.router.get('/fails', (ctx) => {
      ctx.set('Set-Cookie', 'sid=1');
      ctx.set('Cache-Control', 'public, max-age=3600');
      throw Errors.DEMO_CONFLICT();
    });
    const b = await listen(a);
    const res = await fetch(`${b}/fails`);
    expect(res.status).toBe(409);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(res.headers.get('ratelimit')).toBe('"per-ip";r=9;t=60');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toBeNull();
    await a.stop();
  });
});
