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
  /** `PUBLIC_URL`: origin of links in mail (password reset) and of OAuth redirect URIs. Default `http://HOST:PORT`. */
  publicUrl: string;
  /** OAuth/OIDC sign-in, when `OAUTH_ISSUER`, `OAUTH_CLIENT_ID` and `OAUTH_CLIENT_SECRET` are all set. */
  oauth: OAuthSettings | undefined;
}

/** One OpenID Connect provider for "sign in with …" (showcase README "OAuth sign-in"). */
export interface OAuthSettings {
  /** `OAUTH_ISSUER`: the provider's issuer URL (discovery at `/.well-known/openid-configuration`). */
  issuer: string;
  /** `OAUTH_CLIENT_ID`. */
  clientId: string;
  /** `OAUTH_CLIENT_SECRET`. */
  clientSecret: string;
  /** `OAUTH_PROVIDER_ID`: the route segment (`/api/v1/auth/oauth/<id>/start`). Default `sso`. */
  providerId: string;
  /** `OAUTH_RETURN_TO`: comma-separated absolute URLs (or `https://host/*`) users may be sent back to, besides same-origin paths. */
  allowedReturnTo: string[];
}

function readOAuth(env: Record<string, string | undefined>): OAuthSettings | undefined {
  const issuer = env.OAUTH_ISSUER || undefined;
  const clientId = env.OAUTH_CLIENT_ID || undefined;
  const clientSecret = env.OAUTH_CLIENT_SECRET || undefined;
  if (issuer === undefined && clientId === undefined && clientSecret === undefined) return undefined;
  if (issuer === undefined || clientId === undefined || clientSecret === undefined) {
    throw new Error('OAUTH_ISSUER, OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET go together: set all three or none');
  }
  return {
    issuer,
    clientId,
    clientSecret,
    providerId: env.OAUTH_PROVIDER_ID || 'sso',
    allowedReturnTo: (env.OAUTH_RETURN_TO ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  };
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
    oauth: readOAuth(env),
  };
}
