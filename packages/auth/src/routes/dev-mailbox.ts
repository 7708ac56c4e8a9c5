import type Router from '@koa/router';
import type { MemoryOutbox } from '../mailer/memory-outbox.js';

/**
 * `GET /dev/mailbox` → the development outbox, newest first. It holds live reset links: mount it
 * only outside production (the plugin does so when `NODE_ENV` is not `production`).
 */
export function mountDevMailbox(router: Router, outbox: MemoryOutbox, path = '/dev/mailbox'): void {
  router.get(path, (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = outbox.messages().reverse();
  });
}
