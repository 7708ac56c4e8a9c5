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
  /** `SMTP_URL`: where mail goes; unset, it is kept in memory and shown at `GET /dev/mailbox`. */
  smtpUrl: string | undefined;
  /** `MAIL_FROM`: sender of the showcase's mail. */
  mailFrom: string;
  /** `AUTH_SECRET`: HS256 signing secret (≥ 32 bytes); required in production. */
  authSecret: string | undefined;
  /** `MFA_KEY`: 32 bytes (hex or base64) sealing TOTP secrets; required in production. */
  mfaKey: string | undefined;
  /** `PUBLIC_URL`: origin of links in mail (password reset). Default `http://HOST:PORT`. */
  publicUrl: string;
}

export function readSettings(env: Record<string, string | undefined> = process.env): ShowcaseSettings {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const host = env.HOST ?? '127.0.0.1';
  return {
    port,
    host,
    redisUrl: env.REDIS_URL || undefined,
    dataDir: env.DATA_DIR ?? './.data',
    seed: env.SHOWCASE_SEED !== '0',
    production: env.NODE_ENV === 'production',
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'koaforge showcase <no-reply@showcase.test>',
    authSecret: env.AUTH_SECRET || undefined,
    mfaKey: env.MFA_KEY || undefined,
    publicUrl: env.PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}
