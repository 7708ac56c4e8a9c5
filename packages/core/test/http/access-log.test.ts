import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { millisText } from '../../src/http/access-log.js';
import { AccessLogWriter, createLogger, flushLogger } from '../../src/index.js';
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

  it('encodes every field as JSON, however odd the path, route or id', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kf-access-')), 'access.log');
    const logger = createLogger({ destination: file });
    const writer = new AccessLogWriter({ logger });
    const odd = ['/a"b\\c', '/tab\tnew\nline\u0001', '/caf\u00e9/\u65e5\u672c/\ud83d\ude00', '/lone\ud800'];
    const start = process.hrtime.bigint();
    for (const [i, path] of odd.entries()) {
      const ctx = {
        path,
        req: { method: 'GET' },
        res: { statusCode: 200 },
        state: { requestId: `id"${i}` },
        _matchedRoute: `${path}/:x`,
      } as unknown as Context;
      writer.write(ctx, start, false, start + 1_234_567n);
    }
    await flushLogger(logger);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.path, l.route, l.requestId, l.durationMs])).toEqual(
      odd.map((path, i) => [path, `${path}/:x`, `id"${i}`, 1.235]),
    );
  });

  it('formats durations as milliseconds with three decimals, rounded to the microsecond', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '0.000'],
      [499n, '0.000'],
      [500n, '0.001'],
      [734_000n, '0.734'],
      [12_050_000n, '12.050'],
      [1_999_600n, '2.000'],
      [999_999_999n, '1000.000'],
      [3_600_000_000_000n, '3600000.000'],
    ];
    for (const [ns, text] of cases) {
      expect(millisText(ns)).toBe(text);
      expect(JSON.parse(text)).toBe(Math.round(Number(ns) / 1000) / 1000);
    }
  });
});
