import { CoreErrors, createToken, defineErrors, definePlugin } from '@koaforge/core';
import * as z from 'zod';

/** This example's error catalogue: codes are stable, statuses explicit. */
export const TodoErrors = defineErrors({
  TODO_NOT_FOUND: { status: 404, message: 'No todo with this id' },
});

export interface Todo {
  id: number;
  title: string;
  done: boolean;
}

/** A plain service: no Koa, no kernel, testable on its own. */
export class TodoList {
  readonly #items = new Map<number, Todo>();
  #next = 1;
  constructor(private readonly maxItems: number) {}

  list(): Todo[] {
    return [...this.#items.values()];
  }

  add(title: string): Todo {
    if (this.#items.size >= this.maxItems) throw CoreErrors.VALIDATION_FAILED(`At most ${this.maxItems} todos`);
    const todo = { id: this.#next++, title, done: false };
    this.#items.set(todo.id, todo);
    return todo;
  }

  complete(id: number): Todo {
    const todo = this.#items.get(id);
    if (!todo) throw TodoErrors.TODO_NOT_FOUND();
    todo.done = true;
    return todo;
  }
}

export const TodoListToken = createToken<TodoList>('TodoList');

const newTodo = z.object({ title: z.string().trim().min(1).max(200) });

/** Wiring only: config → service → DI token → routes. */
export const todosPlugin = definePlugin({
  name: 'todos',
  configSchema: z.object({ maxItems: z.number().int().positive() }),
  defaults: { maxItems: 100 },
  prefix: '/todos',
  setup(ctx) {
    ctx.container.register(TodoListToken, { useFactory: () => new TodoList(ctx.config.maxItems) });
    const todos = () => ctx.container.resolve(TodoListToken);
    ctx.router.get('/', (c) => {
      c.body = todos().list();
    });
    ctx.router.post('/', (c) => {
      const parsed = newTodo.safeParse(c.request.body);
      if (!parsed.success) {
        throw CoreErrors.VALIDATION_FAILED(undefined, {
          details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
        });
      }
      c.status = 201;
      c.body = todos().add(parsed.data.title);
    });
    ctx.router.post('/:id/done', (c) => {
      c.body = todos().complete(Number(c.params.id));
    });
  },
});
