/** What the showcase reads from its environment (see shared/SHOWCASE.md "Running"). */
export interface ShowcaseSettings {
  port: number;
  host: string;
  /** When set, every store, pub/sub and the scheduler switch to Redis. */
  redisUrl: string | undefined;
  /** Local disk root for files (embedded default). */
  dataDir: string;
  seed: boolean;
  production: boolean;
}

export function readSettings(env: Record<string, string | undefined> = process.env): ShowcaseSettings {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    redisUrl: env.REDIS_URL || undefined,
    dataDir: env.DATA_DIR ?? './.data',
    seed: env.SHOWCASE_SEED !== '0',
    production: env.NODE_ENV === 'production',
  };
}
