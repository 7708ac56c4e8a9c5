import type { RedisClient } from './connection.js';

/** How long to wait for `end` once the socket was told to close. */
const END_GRACE_MS = 500;

/**
 * Close one client: QUIT when it is ready (pending replies arrive first), `disconnect()` when QUIT
 * does not finish within `deadlineMs` or when there is no live link to QUIT on. Resolves once the
 * client's status is `end` and its queues are empty, so nothing keeps the process alive.
 */
export async function closeClient(client: RedisClient, deadlineMs: number): Promise<void> {
  if (client.status === 'end') return;
  const ended = endOf(client, deadlineMs + END_GRACE_MS);
  const status = client.status;
  if (status === 'ready') {
    const quit = client.quit().then(
      () => true,
      () => false,
    );
    if (!(await within(quit, deadlineMs))) client.disconnect();
  } else {
    client.disconnect();
  }
  // Between two reconnection attempts there is no socket left whose close would end the client:
  // ioredis 5 leaves it in `reconnecting` (Cluster: `disconnecting`) forever, with its queued
  // commands never settled (redis/ioredis#1247, fix pending in #2169). Finish what its close
  // handler would have done.
  if (status === 'reconnecting' || !(await ended)) forceEnd(client);
}

function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when the client reaches `end` within `ms`. */
function endOf(client: RedisClient, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      client.off('end', onEnd);
      resolve(value);
    };
    const onEnd = () => done(true);
    const timer = setTimeout(() => done(client.status === 'end'), ms);
    timer.unref();
    client.once('end', onEnd);
  });
}

interface ClientInternals {
  flushQueue?: (error: Error) => void;
  setStatus?: (status: string) => void;
}

function forceEnd(client: RedisClient): void {
  if (client.status === 'end') return;
  const internals = client as unknown as ClientInternals;
  if (typeof internals.flushQueue === 'function') internals.flushQueue.call(client, new Error('Connection is closed.'));
  if (typeof internals.setStatus === 'function') internals.setStatus.call(client, 'end');
}
