// Bare Koa 3, no middleware but the handler.
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('READY'));
