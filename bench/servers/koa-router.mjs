// Koa 3 + @koa/router 15 with one route: the reference for koaforge's per-request budget.
import Router from '@koa/router';
import Koa from 'koa';

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
app.use(router.routes());
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('READY'));
