// koaforge kernel with every core default on: request context, metrics, access log (to a file),
// error boundary, body parser, health routes, route fallback.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@koaforge/core';

const destination = process.env.LOG_FILE ?? join(tmpdir(), `koaforge-bench-${process.pid}.log`);
const app = createApp({ config: { file: false, env: {}, overrides: { log: { destination } } } });
app.router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log('READY');
