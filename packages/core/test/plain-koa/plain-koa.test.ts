import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyParser,
  createLogger,
  createMetricsRegistry,
  currentRequestId,
  defineErrors,
  errorBoundary,
  HealthRegistry,
  healthRoutes,
  httpMetrics,
  metricsHandler,
  requestContext,
  routeFallback,
} from '../../src/index.js';
import { logSink } from '../helpers.js';

// Every kernel piece used on a plain Koa app, as packages/core/README.md shows.
const Errors = defineErrors({ BOOK_NOT_FOUND: { status: 404, message: 'No such book' } });
let server: Server;
let base: string;
const sink = logSink();

beforeAll(async () => {
  const logger = createLogger({ destination: sink.stream });
  const registry = createMetricsRegistry();
  const health = new HealthRegistry();
  const router = new Router();
  router.get('/books/:id', () => {
    throw Errors.BOOK_NOT_FOUND();
  });
  router.post('/books', (ctx) => {
    ctx.status = 201;
    ctx.body = { ...(ctx.request.body as object), requestId: currentRequestId() };
  });
  router.get('/metrics', metricsHandler(registry));
  const app = new Koa();
  app.use(requestContext({ logger }));
  app.use(httpMetrics({ registry }));
  app.use(errorBoundary());
  app.use(healthRoutes({ registry: health }));
  app.use(bodyParser({ jsonLimit: 100 }));
  app.use(routeFallback());
  app.use(router.routes());
  health.setPhase('ready');
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('core pieces on plain Koa', () => {
  it('catalogue errors become problem+json with the request id', async () => {
    const res = await fetch(`${base}/books/1`, { headers: { 'X-Request-Id': 'plain-1' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'BOOK_NOT_FOUND', requestId: 'plain-1', detail: 'No such book' });
  });

  it('bodies are parsed with limits, and the context is visible in handlers', async () => {
    const ok = await fetch(`${base}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Request-Id': 'plain-2' },
      body: '{"title":"Dune"}',
    });
    expect(await ok.json()).toEqual({ title: 'Dune', requestId: 'plain-2' });
    const big = await fetch(`${base}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(200) }),
    });
    expect(big.status).toBe(413);
  });

  it('health, 404/405 and metrics work', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(((await (await fetch(`${base}/nowhere`)).json()) as { code: string }).code).toBe('ROUTE_NOT_FOUND');
    const wrong = await fetch(`${base}/books/1`, { method: 'PATCH' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('route="/books/:id",status="404"');
  });
});
