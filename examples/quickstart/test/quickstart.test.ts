import type { App } from '@koaforge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

let app: App;
let base: string;
beforeAll(async () => {
  app = buildApp({
    config: { file: false, env: {}, overrides: { todos: { maxItems: 2 } } },
    logger: { level: 'silent' },
  });
  const { port } = await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => app.stop());

const post = (path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });

describe('quickstart', () => {
  it('adds, lists and completes todos', async () => {
    const created = await post('/todos', { title: 'write docs' });
    expect(created.status).toBe(201);
    const todo = (await created.json()) as { id: number };
    expect((await post(`/todos/${todo.id}/done`)).status).toBe(200);
    const list = await (await fetch(`${base}/todos`)).json();
    expect(list).toEqual([{ id: todo.id, title: 'write docs', done: true }]);
  });

  it('rejects invalid input with 422 VALIDATION_FAILED naming the field', async () => {
    const res = await post('/todos', { title: '' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { code: string; issues: Array<{ path: string }> };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.issues[0]?.path).toBe('title');
  });

  it('answers unknown todos with its own catalogue code', async () => {
    const res = await post('/todos/999/done');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('TODO_NOT_FOUND');
  });

  it('takes its limit from config', async () => {
    await post('/todos', { title: 'two' });
    const res = await post('/todos', { title: 'three' });
    expect(res.status).toBe(422);
  });
});
