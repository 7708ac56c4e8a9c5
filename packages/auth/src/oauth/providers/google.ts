import { AuthErrors } from '../../errors.js';
import type { OAuthProvider } from '../provider.js';
import { type OidcProviderOptions, oidcProvider } from './oidc.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';

export interface GoogleProviderOptions
  extends Pick<OidcProviderOptions, 'clientId' | 'scopes' | 'authorizationParams' | 'timeoutSeconds'> {
  /** Default `google`. */
  id?: string;
  clientSecret: string;
  /**
   * Only accept accounts of this Google Workspace domain. Sent as `hd` (which only filters the
   * account chooser) and enforced on the verified `hd` claim, which is what actually counts.
   */
  hostedDomain?: string;
  /** Override the issuer (tests only). */
  issuer?: string;
  /** Only with an `issuer` override on plain HTTP (tests only). */
  allowInsecureRequests?: boolean;
}

/**
 * Sign in with Google: OpenID Connect with PKCE and nonce against `https://accounts.google.com`.
 * Google puts `email` and `email_verified` in the ID token when the `email` scope is granted.
 *
 * @example
 * const google = googleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET });
 */
export function googleProvider(options: GoogleProviderOptions): OAuthProvider {
  const { hostedDomain } = options;
  return oidcProvider({
    id: options.id ?? 'google',
    issuer: options.issuer ?? GOOGLE_ISSUER,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scopes: options.scopes ?? ['email', 'profile'],
    authorizationParams: hostedDomain
      ? { ...options.authorizationParams, hd: hostedDomain }
      : options.authorizationParams,
    timeoutSeconds: options.timeoutSeconds,
    allowInsecureRequests: options.allowInsecureRequests,
    checkClaims: hostedDomain
      ? (claims) => {
          if (claims.hd !== hostedDomain) {
            throw AuthErrors.AUTH_FORBIDDEN('This Google account is not part of the allowed domain');
          }
        }
      : undefined,
  });
}
