import { EventEmitter } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '@koaforge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTenant } from '../../src/context.js';
import { boot } from './stack.js';

const IDS = ['acme', 'globex', 'umbrella', 'stark', 'wayne', 'tyrell', 'cyberdyne', 'hooli'];
let app: App;
let port: number;

beforeAll(async () => {
  const started = await boot({ tenant: { tenants: IDS.map((id) => ({ id })) } });
  app = started.app;
  port = Number(new URL(started.base).port);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // Every step hands control back to the event loop, so the 1000 requests interleave.
  app.router.get('/trace', async (ctx) => {
    const seen: Array<string | undefined> = [currentTenant()?.id];
    await sleep(Math.random() * 5);
    seen.push(currentTenant()?.id);
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        seen.push(currentTenant()?.id);
        resolve();
      }, Math.random() * 5);
    });
    const tag = ctx.state.requestId as string;
    await new Promise<void>((resolve) => {
      emitter.once(tag, () => {
        seen.push(currentTenant()?.id);
        resolve();
      });
      setImmediate(() => emitter.emit(tag));
    });
    const chunks: string[] = [];
    await pipeline(
      Readable.from(['a', 'b', 'c']),
      new Transform({
        transform(chunk, _enc, done) {
          setTimeout(() => done(null, `${String(chunk)}:${currentTenant()?.id}`), Math.random() * 3);
        },
      }),
      new Writable({
        write(chunk, _enc, done) {
          chunks.push(String(chunk));
          done();
        },
      }),
    );
    for (const chunk of chunks) seen.push(chunk.split(':')[1]);
    seen.push(currentTenant()?.id);
    ctx.body = { seen };
  });
});
afterAll(() => app?.stop());

function trace(agent: Agent, tenant: string, principal: boolean): Promise<Array<string | undefined>> {
  const headers = principal ? { 'x-test-principal': `user:u-${tenant}:${tenant}` } : { 'x-tenant-id': tenant };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/trace', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${text}`));
        resolve((JSON.parse(text) as { seen: Array<string | undefined> }).seen);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tenant context isolation', () => {
  it('1,000 interleaved concurrent requests each see only their own tenant, through awaits, timers, emitters and streams', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    try {
      const expected = Array.from({ length: 1000 }, (_, i) => IDS[(i * 7 + (i >> 3)) % IDS.length]!);
      const results = await Promise.all(expected.map((tenant, i) => trace(agent, tenant, i % 2 === 0)));
      let matching = 0;
      results.forEach((seen, i) => {
        expect(seen).toHaveLength(8);
        if (seen.every((id) => id === expected[i])) matching++;
      });
      expect(matching).toBe(1000);
    } finally {
      agent.destroy();
    }
  });
});
