import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasErrorCode } from '../../src/errors/catalogue.js';
import { BreakerRegistry } from '../../src/resilience/breaker-registry.js';
import type { UpstreamStatusError } from '../../src/resilience/errors.js';
import { resilientFetch } from '../../src/resilience/resilient-fetch.js';
import { freePort } from '../../src/testing/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let base: string;
let handler: Handler = (_req, res) => res.end();
let hits = 0;
let closedEarly = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    res.on('close', () => {
      if (!res.writableFinished) closedEarly++;
    });
    handler(req, res, hits);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let breakers: BreakerRegistry;
let metrics: Registry;
function freshBreakers() {
  metrics = new Registry();
  breakers = new BreakerRegistry({ metrics, logger: pino({ level: 'silent' }) });
}
freshBreakers();
afterEach(() => {
  breakers.close();
  freshBreakers();
  hits = 0;
  closedEarly = 0;
});

const count = async (breaker: string, event: string) => {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'circuit_breaker_events_total');
  return metric?.values.find((v) => v.labels.breaker === breaker && v.labels.event === event)?.value;
};

const fast = { retries: 3, minDelayMs: 1, maxDelayMs: 5 };

describe('resilientFetch against a real HTTP server', () => {
  it('503, 503, then 200: succeeds after 3 calls', async () => {
    handler = (_req, res, n) => {
      res.statusCode = n <= 2 ? 503 : 200;
      res.end(n <= 2 ? 'busy' : 'hello');
    };
    const res = await resilientFetch(
      `${base}/x`,
      {},
      { timeout: 1000, retry: fast, breaker: { registry: breakers, name: 'up' } },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(hits).toBe(3);
    expect(await count('up', 'success')).toBe(1);
    expect(await count('up', 'failure')).toBe(0);
  });

  it('a hanging server: TIMEOUT after the per-attempt timeout, and the request is really closed', async () => {
    handler = () => {}; // never answers: only the timeout can end the call
    const err = await resilientFetch(`${base}/hang`, {}, { timeout: 50 }).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    expect(hits).toBe(1);
    await vi.waitFor(() => expect(closedEarly).toBe(1));
  });

  it('retries hanging attempts, each cut at the timeout', async () => {
    handler = () => {};
    const err = await resilientFetch(`${base}/hang`, {}, { timeout: 30, retry: { retries: 2, minDelayMs: 1 } }).catch(
      (e: unknown) => e,
    );
    expect(hasErrorCode(err, 'TIMEOUT')).toBe(true);
    await vi.waitFor(() => expect(closedEarly).toBe(3));
    expect(hits).toBe(3);
  });

  it('404: returned, not retried, not a breaker failure', async () => {
    handler = (_req, res) => {
      res.statusCode = 404;
      res.end('none');
    };
    const options = {
      timeout: 1000,
      retry: fast,
      breaker: { registry: breakers, name: 'nf', options: { resetTimeout: 60_000 } },
    };
    for (let i = 0; i < 3; i++) {
      const res = await resilientFetch(`${base}/missing`, {}, options);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('none');
    }
    expect(hits).toBe(3);
    expect(await count('nf', 'failure')).toBe(0);
    expect(await count('nf', 'success')).toBe(3);
    expect(breakers.find('nf')?.closed).toBe(true);
  });

  it('when retries are spent on 5xx, returns the last response and counts one breaker failure', async () => {
    handler = (_req, res, n) => {
      res.statusCode = 500;
      res.end(`fail ${n}`);
    };
    const res = await resilientFetch(`${base}/err`, {}, { retry: fast, breaker: { registry: breakers, name: 'e' } });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('fail 4');
    expect(hits).toBe(4);
    expect(await count('e', 'failure')).toBe(1);
  });

  it('gives the fallback the UPSTREAM_STATUS error with the response', async () => {
    handler = (_req, res) => {
      res.statusCode = 502;
      res.end('bad gateway');
    };
    const fallback = vi.fn(async (err: unknown) => {
      const e = err as UpstreamStatusError;
      return new Response(`fallback after ${e.response.status}`);
    });
    const res = await resilientFetch(`${base}/fb`, {}, { retry: { retries: 1, minDelayMs: 1 }, fallback });
    expect(await res.text()).toBe('fallback after 502');
    expect(hasErrorCode(fallback.mock.calls[0]?.[0], 'UPSTREAM_STATUS')).toBe(true);
    expect(hits).toBe(2);
  });

  it('honours Retry-After within the budget, and stops when it does not fit', async () => {
    handler = (_req, res, n) => {
      if (n === 1) {
        res.statusCode = 429;
        res.setHeader('Retry-After', '1');
        res.end();
      } else {
        res.end('ok');
      }
    };
    const delays: number[] = [];
    const res = await resilientFetch(
      `${base}/ra`,
      {},
      { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2, budgetMs: 5000 }, onRetry: (i) => delays.push(i.delayMs) },
    );
    expect(res.status).toBe(200);
    expect(delays).toEqual([1000]);
    expect(hits).toBe(2);

    hits = 0;
    handler = (_req, res) => {
      res.statusCode = 503;
      res.setHeader('Retry-After', '30');
      res.end();
    };
    const late = await resilientFetch(`${base}/ra`, {}, { retry: { retries: 2, minDelayMs: 1, budgetMs: 2000 } });
    expect(late.status).toBe(503);
    expect(hits).toBe(1);
  });

  it('retries connection errors', async () => {
    const port = await freePort();
    const fetchSpy = vi.fn(globalThis.fetch);
    const err = await resilientFetch(
      `http://127.0.0.1:${port}/`,
      {},
      { retry: { retries: 2, minDelayMs: 1 }, fetch: fetchSpy },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(fetchSpy).toHaveBeenCalledTimes(3);
  });

  it('does not retry a request whose body is a stream', async () => {
    handler = (req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = 503;
        res.end();
      });
    };
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('data'));
        c.close();
      },
    });
    const res = await resilientFetch(`${base}/up`, { method: 'POST', body, duplex: 'half' } as RequestInit, {
      retry: fast,
    });
    expect(res.status).toBe(503);
    expect(hits).toBe(1);
  });
});
