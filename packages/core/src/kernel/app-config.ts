import * as z from 'zod';

/** The kernel's own config sections: `http` and `log`. */
export const httpConfigSchema = z.object({
  port: z.number().int().min(0).max(65535).default(3000),
  host: z.string().default('127.0.0.1'),
  /** Largest JSON body in bytes. */
  bodyLimit: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Largest urlencoded / text body in bytes. */
  textLimit: z
    .number()
    .int()
    .positive()
    .default(100 * 1024),
  /** Largest request header block in bytes. */
  maxHeaderSize: z
    .number()
    .int()
    .positive()
    .default(16 * 1024),
  /** How long `stop()` waits for in-flight requests before closing their sockets. */
  shutdownTimeoutMs: z.number().int().nonnegative().default(10_000),
  /** Time limit for each plugin hook (setup, start, stop). */
  hookTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * How many reverse proxies in front of the app append to `X-Forwarded-For` (and may be trusted
   * for `X-Forwarded-Host`). 0: the socket peer is the client and forwarding headers are ignored.
   */
  trustProxyHops: z.number().int().nonnegative().default(0),
  /** Accept a sane incoming X-Request-Id. */
  trustRequestId: z.boolean().default(true),
});
export type HttpConfig = z.output<typeof httpConfigSchema>;

export const logConfigSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 'stdout', 'stderr' or a file path. */
  destination: z.string().default('stdout'),
  /** Write one line per request. */
  accessLog: z.boolean().default(true),
});
export type LogConfig = z.output<typeof logConfigSchema>;
