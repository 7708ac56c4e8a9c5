// Koa 3 + @koa/router with one route, as koa-router.mjs, plus the least a request context needs:
// one AsyncLocalStorage.run per request. A reference, not koaforge: what any framework's request
// context costs on this Node (on Node 20 every async resource and promise then runs a hook).
import { AsyncLocalStorage } from 'node:async_hooks';
import Router from '@koa/router';
import Koa from 'koa';

const storage = new AsyncLocalStorage();
const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
app.use((ctx, next) => storage.run({ requestId: ctx.get('x-request-id') }, next));
app.use(router.routes());
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('READY'));
