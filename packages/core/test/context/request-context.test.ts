import { EventEmitter, once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  currentContext,
  currentRequestId,
  generateRequestId,
  isSaneRequestId,
  RequestContext,
  runWithContext,
} from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

describe('request context', () => {
  it('is visible across awaits, timers, emitters and streams; concurrent requests never mix', async () => {
    const { app } = testApp({ features: { accessLog: false } });
    const bus = new EventEmitter();
    app.router.get('/ctx/:n', async (ctx) => {
      const seen: Array<string | undefined> = [];
      seen.push(currentRequestId());
      await new Promise((r) => setTimeout(r, Math.random() * 10));
      seen.push(currentRequestId());
      await new Promise<void>((r) => {
        setImmediate(() => {
          seen.push(currentRequestId());
          r();
        });
      });
      const p = once(bus, `go-${ctx.params.n}`);
      setTimeout(() => bus.emit(`go-${ctx.params.n}`), 1);
      await p;
      seen.push(currentRequestId());
      for await (const _chunk of Readable.from(['a', 'b'])) seen.push(currentRequestId());
      ctx.body = { seen, expected: ctx.state.requestId };
    });
    const base = await listen(app);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${base}/ctx/${i}`, { headers: { 'X-Request-Id': `req-${i}` } }).then(
          (r) => r.json() as Promise<{ seen: string[]; expected: string }>,
        ),
      ),
    );
    results.forEach((r: { seen: string[]; expected: string }, i) => {
      expect(r.expected).toBe(`req-${i}`);
      expect(new Set(r.seen)).toEqual(new Set([`req-${i}`]));
      expect(r.seen).toHaveLength(6);
    });
    await app.stop();
  });

  it('is undefined outside a request; runWithContext opens one for jobs and sockets', () => {
    expect(currentContext()).toBeUndefined();
    const rc = new RequestContext({ requestId: 'job-1' });
    const id = runWithContext(rc, () => currentRequestId());
    expect(id).toBe('job-1');
  });

  it('principal and tenant slots are frozen copies', () => {
    const rc = new RequestContext({ requestId: 'x' });
    const principal = { id: 'u1', type: 'user', roles: ['admin'] };
    rc.setPrincipal(principal);
    principal.id = 'u2';
    expect(rc.principal?.id).toBe('u1');
    expect(Object.isFrozen(rc.principal)).toBe(true);
    rc.setTenant({ id: 'acme' });
    expect(() => {
      (rc.tenant as { id: string }).id = 'globex';
    }).toThrow();
  });

  it('child logger carries the request id', async () => {
    const { app, lines } = testApp();
    app.router.get('/log', (ctx) => {
      currentContext()?.log.info('inside');
      ctx.body = {};
    });
    const base = await listen(app);
    await fetch(`${base}/log`, { headers: { 'X-Request-Id': 'log-42' } });
    await app.stop();
    expect(lines.find((l) => l.msg === 'inside')?.requestId).toBe('log-42');
    const access = lines.find((l) => l.msg === 'request' && l.requestId === 'log-42');
    expect(access).toMatchObject({ method: 'GET', path: '/log', route: '/log', status: 200 });
  });
  it('keeps one bag per context, made on first use; runWithContext passes arguments through', () => {
    const rc = new RequestContext({ requestId: 'bag-1' });
    expect(rc.bag).toBe(rc.bag);
    rc.bag.set('k', 1);
    const other = new RequestContext({ requestId: 'bag-2' });
    expect(other.bag.has('k')).toBe(false);
    expect(runWithContext(rc, (a: number, b: string) => `${currentRequestId()}:${a}${b}`, 1, 'x')).toBe('bag-1:1x');
  });
});

describe('request ids', () => {
  it('are 32 hex digits, unique across refills of the random pool, and accepted as incoming ids', () => {
    // 256 ids per refill: 1000 ids cross three refills.
    const ids = Array.from({ length: 1000 }, generateRequestId);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(isSaneRequestId(id)).toBe(true);
    }
  });
});
