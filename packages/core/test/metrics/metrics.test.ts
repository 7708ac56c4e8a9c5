import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

let app: App;
let base: string;
beforeAll(async () => {
  app = testApp().app;
  app.router.get('/users/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  app.router.get('/boom', () => {
    throw new Error('x');
  });
  base = await listen(app);
});
afterAll(() => app.stop());

describe('metrics', () => {
  it('labels the duration histogram by route template, never the raw path', async () => {
    for (const id of ['1', '2', 'alice@acme.test']) await fetch(`${base}/users/${encodeURIComponent(id)}`);
    await fetch(`${base}/boom`);
    await fetch(`${base}/not/a/route/123`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/users\/:id",status="200"\} 3/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/boom",status="500"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status="404"\} 1/);
    expect(text).not.toContain('alice');
    expect(text).not.toContain('/not/a/route');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('http_requests_in_flight');
  });

  it.runIf(promtool || process.env.CI)('passes promtool check metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(`${res.stdout}${res.stderr}`.trim()).toBe('');
    expect(res.status).toBe(0);
  });

  it('answers with the Prometheus content type', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  });
});
