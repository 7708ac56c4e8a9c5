// koaforge kernel with no plugins and no built-in features: Koa + the app router.
import { createApp } from '@koaforge/core';

const app = createApp({ features: false, config: { file: false, env: {} }, logger: { level: 'silent' } });
app.router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log('READY');
