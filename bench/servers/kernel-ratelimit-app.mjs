// koaforge kernel with every core default on (as kernel-defaults.mjs), plus a global per-IP rate
// limit when RATELIMIT_STORE is `memory` or `redis` (`none`: no rate limiting, the baseline).
// The limit is far above what the load generator can send, so every request is admitted and the
// measurement is the cost of checking, not of answering 429s.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, rateLimitPlugin, redisPlugin } from '@koaforge/core';

const store = process.env.RATELIMIT_STORE ?? 'none';
const limit = Number(process.env.RATELIMIT_LIMIT ?? 1_000_000_000);
const destination = process.env.LOG_FILE ?? join(tmpdir(), `koaforge-bench-${process.pid}.log`);
const overrides = { log: { destination } };
if (store === 'redis') overrides.redis = { url: process.env.REDIS_URL, keyPrefix: 'bench:' };
if (store !== 'none') overrides.ratelimit = { store };

const app = createApp({ config: { file: false, env: {}, overrides } });
if (store === 'redis') app.register(redisPlugin);
if (store !== 'none') {
  app.register(rateLimitPlugin, { global: [{ name: 'per-ip', limit, window: '1m' }] });
}
app.router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log('READY');
