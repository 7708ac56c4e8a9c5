/** Naming where a connection goes, for logs and errors, without ever showing credentials. */

import { DEFAULT_REDIS_URL, type RedisConnectionOptions, type RedisEndpoint } from './options.js';

const DEFAULT_PORT = 6379;

/** `{ host, port }` from `{ host, port }`, `'host:port'`, `'host'` or `'redis://[auth@]host:port'`. */
export function parseEndpoint(node: RedisEndpoint | string, defaultPort = DEFAULT_PORT): RedisEndpoint {
  if (typeof node !== 'string') return { host: node.host, port: node.port };
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(node) ? node : `redis://${node}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort };
}

/** `host:port` of a Redis URL; the user name and password are dropped. */
export function hostPortOfUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || DEFAULT_PORT}`;
  } catch {
    return '(unparsable Redis URL)';
  }
}

function endpointText(node: RedisEndpoint | string, defaultPort = DEFAULT_PORT): string {
  try {
    const { host, port } = parseEndpoint(node, defaultPort);
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  } catch {
    return '(unparsable node)';
  }
}

/** `127.0.0.1:6379`, `cluster 10.0.0.1:7000,10.0.0.2:7000`, `sentinel mymaster via 10.0.0.1:26379`. */
export function describeTarget(options: RedisConnectionOptions): string {
  if (options.cluster) return `cluster ${options.cluster.nodes.map((n) => endpointText(n)).join(',')}`;
  if (options.sentinel) {
    const via = options.sentinel.sentinels.map((n) => endpointText(n, 26379)).join(',');
    return `sentinel ${options.sentinel.name} via ${via}`;
  }
  return hostPortOfUrl(options.url ?? DEFAULT_REDIS_URL);
}
