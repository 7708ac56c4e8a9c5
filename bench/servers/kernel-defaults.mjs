// koaforge kernel with every core default on: request context, metrics, access log (to a file),
// error boundary, body parser, health routes, route fallback.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@koaforge/core';

const destination = process.env.LOG_FILE ?? join(tmpdir(), `koaforge-bench-${process.pid}.log`);
// FEATURES_OFF=requestContext,...: the same app with some defaults off, to show what each costs.
const off = (process.env.FEATURES_OFF ?? '').split(',').filter(Boolean);
const features = Object.fromEntries(off.map((name) => [name, false]));
const app = createApp({ features, config: { file: false, env: {}, overrides: { log: { destination } } } });
app.router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log('READY');
