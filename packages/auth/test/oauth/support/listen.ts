import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Listening {
  readonly server: Server;
  readonly url: string;
  /** Attach the request handler (so it can be built knowing the URL). */
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0, listening before it has a handler. */
export async function listenLoopback(): Promise<Listening> {
  let current: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (current) current(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    handle(handler) {
      current = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
