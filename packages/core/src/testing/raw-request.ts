import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON when the answer says it is JSON (`{}` when empty or not JSON). */
  body: Record<string, unknown>;
  /** The body as received. */
  text: string;
}

export interface RawRequestOptions {
  method?: string;
  /** Any headers, `Host` and `X-Forwarded-*` included (fetch refuses to set `Host`). */
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

/**
 * One HTTP request on a fresh connection with full control over the headers, `Host` included:
 * what tests of host-based routing (subdomains, custom domains, spoofed forwarding headers) need.
 *
 * @example
 * const res = await rawRequest(base, '/me', { headers: { host: 'acme.localhost', authorization } });
 */
export function rawRequest(base: string, path: string, options: RawRequestOptions = {}): Promise<RawAnswer> {
  const url = new URL(path, base);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers = { ...options.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: url.pathname + url.search,
        headers,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const json = text !== '' && /\bjson\b/i.test(res.headers['content-type'] ?? '');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json ? JSON.parse(text) : {}, text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
