import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A node:http server that knows how many requests are in flight, so shutdown can drain them:
 * stop accepting, close idle keep-alive sockets, let running requests finish (each answered with
 * `Connection: close`), and after a deadline cut whatever is left.
 */
export class DrainableServer {
  readonly server: Server;
  #inFlight = 0;
  #draining = false;
  #onIdle: (() => void) | undefined;

  constructor(
    handler: Handler,
    options: { headersTimeoutMs?: number; requestTimeoutMs?: number; maxHeaderSize?: number } = {},
  ) {
    this.server = createServer(
      {
        // Finite limits on every input (DESIGN: security posture).
        maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
        requestTimeout: options.requestTimeoutMs ?? 300_000,
        headersTimeout: options.headersTimeoutMs ?? 60_000,
      },
      (req, res) => {
        this.#inFlight++;
        if (this.#draining) res.setHeader('Connection', 'close');
        res.once('close', this.#done);
        handler(req, res);
      },
    );
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  #done = (): void => {
    this.#inFlight--;
    if (this.#draining) {
      this.server.closeIdleConnections();
      if (this.#inFlight === 0) this.#onIdle?.();
    }
  };

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
   * Stop accepting, wait up to `deadlineMs` for in-flight requests, then close every socket.
   * Resolves with how many requests were still running at the deadline (0 when all drained).
   */
  async drain(deadlineMs: number): Promise<number> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let cut = 0;
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<void>((resolve) => {
        this.#onIdle = resolve;
      });
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const outcome = await Promise.race([idle, deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline') cut = this.#inFlight;
    }
    this.server.closeAllConnections();
    await closed;
    return cut;
  }
}
