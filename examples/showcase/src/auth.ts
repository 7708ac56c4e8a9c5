import { createHash } from 'node:crypto';
import type { OAuthSettings, ShowcaseSettings } from './settings.js';

/**
 * Signs the showcase's access tokens when `AUTH_SECRET` is unset, outside production only. Fixed
 * rather than random so that several showcase processes sharing Redis accept each other's tokens;
 * public, so it protects nothing: set `AUTH_SECRET` for anything but a local demo.
 */
const DEMO_AUTH_SECRET = 'koaforge-showcase-demo-secret-not-for-production';

/**
 * Seals TOTP secrets when `MFA_KEY` is unset, outside production only: 32 bytes as 64 hex digits,
 * the SHA-256 of a public phrase. Fixed rather than random so that an enrollment made on one
 * showcase process verifies on another and survives a restart; public, so it protects nothing:
 * set `MFA_KEY` for anything but a local demo.
 */
export const DEMO_MFA_KEY = createHash('sha256')
  .update('koaforge-showcase-demo-mfa-key-not-for-production')
  .digest('hex');

/** The showcase's roles (shared/SHOWCASE.md "Running"). */
export const SHOWCASE_ROLES = [
  { name: 'admin', allow: ['*'] },
  { name: 'member', allow: ['users:read', 'files:*', 'notifications:read'] },
];

/**
 * The `auth` config section the showcase starts from (the `defaults` layer: a config file,
 * `KOAFORGE_AUTH__*` variables and overrides still win). Production refuses to start without
 * `AUTH_SECRET` and `MFA_KEY`; development uses the public demo secret and demo MFA key instead.
 */
export function showcaseAuthConfig(settings: ShowcaseSettings): Record<string, unknown> {
  if (settings.production && (settings.authSecret === undefined || settings.mfaKey === undefined)) {
    throw new Error('NODE_ENV=production needs AUTH_SECRET (≥ 32 bytes) and MFA_KEY (32 bytes, hex or base64)');
  }
  return {
    issuer: 'koaforge-showcase',
    audience: 'koaforge-showcase',
    secret: settings.authSecret ?? DEMO_AUTH_SECRET,
    roles: SHOWCASE_ROLES,
    reset: { origin: settings.publicUrl },
    mailer: { from: settings.mailFrom, ...(settings.smtpUrl === undefined ? {} : { smtpUrl: settings.smtpUrl }) },
    mfa: { issuer: 'koaforge showcase', keys: { v1: settings.mfaKey ?? DEMO_MFA_KEY } },
    ...(settings.oauth === undefined ? {} : { oauth: showcaseOAuthConfig(settings, settings.oauth) }),
  };
}

/**
 * "Sign in with <provider>" for one OpenID Connect provider. Accounts are never created here:
 * a provider identity signs in to the seeded (or admin-made) account it is linked to, or whose
 * e-mail the provider verified. An `http:` issuer (a local IdP) is accepted outside production only.
 */
export function showcaseOAuthConfig(settings: ShowcaseSettings, oauth: OAuthSettings): Record<string, unknown> {
  return {
    publicUrl: settings.publicUrl,
    returnTo: { allowed: oauth.allowedReturnTo },
    allowSignup: false,
    providers: [
      {
        type: 'oidc',
        id: oauth.providerId,
        issuer: oauth.issuer,
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret,
        ...(!settings.production && oauth.issuer.startsWith('http:') ? { allowInsecureRequests: true } : {}),
      },
    ],
  };
}
