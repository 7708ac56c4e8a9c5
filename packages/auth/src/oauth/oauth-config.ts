import * as z from 'zod';
import { oauthProviderConfigSchema } from './providers/provider-config.js';

/**
 * The `auth.oauth` config section: OAuth2 / OIDC sign-in mounted by `authPlugin`.
 *
 * @example
 * // koaforge.json
 * { "auth": { "oauth": {
 *   "publicUrl": "https://api.acme.test",
 *   "returnTo": { "allowed": ["https://app.acme.test/*"] },
 *   "providers": [{ "type": "oidc", "id": "okta", "issuer": "https://acme.okta.com",
 *                   "clientId": "${OKTA_CLIENT_ID}", "clientSecret": "${OKTA_CLIENT_SECRET}" }]
 * } } }
 */
export const oauthConfigSchema = z.object({
  providers: z.array(oauthProviderConfigSchema).default([]),
  /**
   * Where the app's routes are reachable from browsers and providers (`https://api.acme.test`, or
   * `https://acme.test/api` behind a path): redirect URIs are `<publicUrl>/api/v1/auth/oauth/<id>/callback`,
   * built from here and never from the request's Host. Default: `auth.reset.origin`.
   */
  publicUrl: z.string().min(1).optional(),
  /** Where users may be sent back after signing in (the app's page that redeems the code). */
  returnTo: z
    .object({
      /** Absolute URLs, exact, or every path under one with a trailing `/*`. */
      allowed: z.array(z.string().min(1)).default([]),
      /** Accept same-origin paths (`/welcome`). */
      allowRelative: z.boolean().default(true),
      /** When `/start` names none. Must itself pass the policy. */
      defaultReturnTo: z.string().min(1).default('/'),
    })
    .prefault({}),
  /**
   * Where a browser goes when the callback fails (state expired, user cancelled at the provider,
   * provider down, account not allowed): `<errorRedirect>?error=<CODE>&requestId=<id>`, e.g. the
   * app's login page. Must pass the `returnTo` policy. Default: none, the callback answers
   * problem+json with the same code.
   */
  errorRedirect: z.string().min(1).optional(),
  /** Time to finish signing in at the provider. */
  transactionTtlSeconds: z.number().int().min(30).max(3600).default(600),
  /** Life of the one-time code handed to the app after the callback. */
  codeTtlSeconds: z.number().int().min(1).max(300).default(60),
  /** `Secure` cookies (and `__Secure-` names). Default: true when `publicUrl` is https. */
  secureCookies: z.boolean().optional(),
  /**
   * Create an account for a provider identity that matches none. Default false: only accounts
   * already linked, or found by a provider-verified e-mail, sign in.
   */
  allowSignup: z.boolean().default(false),
  /** Roles of accounts created by sign-up. */
  defaultRoles: z.array(z.string().min(1)).default([]),
  /** An unverified provider e-mail: refuse (409) or give it a separate account (with sign-up on). */
  unverifiedEmail: z.enum(['reject', 'separate-account']).default('reject'),
});

export type OAuthConfig = z.output<typeof oauthConfigSchema>;
