import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface KoaListening {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Closes the server, cutting kept-alive connections, and resolves once it is closed. */
  close(): Promise<void>;
}

/**
 * Listens a plain Koa app on a free loopback port, for tests of middleware used without the kernel
 * (kernel apps have `app.listen(0, '127.0.0.1')` and `app.stop()`).
 *
 * @example
 * const { base, close } = await listenKoa(koa);
 */
export async function listenKoa(app: Koa): Promise<KoaListening> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
