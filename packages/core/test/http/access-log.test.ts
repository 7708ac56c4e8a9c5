import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, flushLogger } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

describe('access log', () => {
  it('writes one pino-format line per request with masked path, route, status and request id', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kf-access-')), 'access.log');
    const logger = createLogger({ destination: file, name: 'svc' });
    const { app } = testApp({ logger });
    app.router.get('/users/:email', (ctx) => {
      ctx.body = {};
    });
    app.router.get('/boom', () => {
      throw new Error('x');
    });
    const base = await listen(app);
    await fetch(`${base}/users/alice@acme.test?token=secret`, { headers: { 'X-Request-Id': 'acc-1' } });
    await fetch(`${base}/boom`, { headers: { 'X-Request-Id': 'acc-2' } });
    await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'acc-3' } });
    logger.info({ requestId: 'ref', method: 'GET', path: '/p', route: '/p', status: 200, durationMs: 1 }, 'request');
    await app.stop();
    await flushLogger(logger);
    const text = readFileSync(file, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ok = lines.find((l) => l.requestId === 'acc-1' && l.msg === 'request');
    expect(ok).toMatchObject({
      level: 30,
      name: 'svc',
      method: 'GET',
      route: '/users/:email',
      status: 200,
      msg: 'request',
    });
    expect(ok?.path).toBe('/users/a***@acme.test');
    expect(text).not.toContain('alice@');
    expect(text).not.toContain('secret');
    expect(lines.find((l) => l.requestId === 'acc-2' && l.msg === 'request')).toMatchObject({
      level: 50,
      status: 500,
      route: '/boom',
    });
    expect(lines.find((l) => l.requestId === 'acc-3')).toBeUndefined();
    // Same keys, same order as pino's own line for the same fields (written through the generic path).
    const reference = lines.find((l) => l.requestId === 'ref');
    expect(Object.keys(ok ?? {})).toEqual(Object.keys(reference ?? {}));
  });

  it('honours the logger level', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kf-access-')), 'access.log');
    const logger = createLogger({ destination: file, level: 'warn' });
    const { app } = testApp({ logger });
    app.router.get('/ok', (ctx) => {
      ctx.body = {};
    });
    const base = await listen(app);
    await fetch(`${base}/ok`);
    await app.stop();
    await flushLogger(logger);
    expect(readFileSync(file, 'utf8')).not.toContain('"msg":"request"');
  });
});
