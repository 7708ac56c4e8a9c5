import type { RedisClient } from './connection.js';

/** A Lua script run as a named command: how many of its arguments are keys, and its source. */
export interface RedisScript {
  readonly keys: number;
  readonly lua: string;
}

/**
 * The client with `scripts` defined as commands (ioredis `defineCommand`: run by EVALSHA, the
 * script sent again on NOSCRIPT, so a restarted Redis needs nothing from the caller). Each name is
 * defined once per client, so several stores (or apps in tests) may share a connection. `T` gives
 * the commands' signatures; name them after your package so they cannot clash.
 *
 * @example
 * interface QuotaScripts { kfQuotaReserve(key: string, amount: number): Promise<[number, number]> }
 * const c = withScripts<QuotaScripts>(connection.client, { kfQuotaReserve: { keys: 1, lua: RESERVE } });
 * await c.kfQuotaReserve(connection.key('quota', id), 1);
 */
export function withScripts<T extends object>(
  client: RedisClient,
  scripts: { readonly [K in keyof T & string]: RedisScript },
): RedisClient & T {
  const defined = client as unknown as Record<string, unknown>;
  for (const [name, script] of Object.entries(scripts) as Array<[string, RedisScript]>) {
    if (typeof defined[name] !== 'function') {
      client.defineCommand(name, { numberOfKeys: script.keys, lua: script.lua });
    }
  }
  return client as RedisClient & T;
}
