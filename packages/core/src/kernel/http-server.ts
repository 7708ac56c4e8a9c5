import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DrainableServerOptions {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxHeaderSize?: number;
}

/**
 * A node:http server that drains on shutdown: stop accepting, close idle keep-alive sockets, let
 * running requests finish (each answered with `Connection: close`, so its socket ends with it),
 * and after a deadline cut whatever is left. Sockets are tracked per connection, not per request,
 * so the request path pays one boolean check and no listener.
 */
export class DrainableServer {
  readonly server: Server;
  readonly #sockets = new Set<Socket>();
  #draining = false;

  constructor(handler: Handler, options: DrainableServerOptions = {}) {
    this.server = createServer(
      {
        // Finite limits on every input (DESIGN: security posture).
        maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
        requestTimeout: options.requestTimeoutMs ?? 300_000,
        headersTimeout: options.headersTimeoutMs ?? 60_000,
      },
      (req, res) => {
        if (this.#draining) res.setHeader('Connection', 'close');
        handler(req, res);
      },
    );
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Open connections (idle keep-alive ones included). */
  get connections(): number {
    return this.#sockets.size;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stop accepting, wait up to `deadlineMs` for the open connections to finish their requests,
   * then close every socket. Resolves with how many connections were still open at the deadline
   * (0 when everything drained).
   */
  async drain(deadlineMs: number): Promise<number> {
    this.#draining = true;
    // `close` stops accepting; its callback fires once every connection has ended.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // A keep-alive connection whose request was already running when the drain began becomes idle
    // once its response is sent; sweeping idle connections closes it then, without a listener on
    // every request.
    const sweep = setInterval(() => this.server.closeIdleConnections(), 50);
    sweep.unref();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    clearInterval(sweep);
    let cut = 0;
    if (outcome === 'deadline') {
      cut = this.#sockets.size;
      this.server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
      await closed;
    }
    return cut;
  }
}
