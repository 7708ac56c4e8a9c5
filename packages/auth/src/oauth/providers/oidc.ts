import * as client from 'openid-client';
import { AuthErrors } from '../../errors.js';
import {
  type AuthorizationRequest,
  assertProviderId,
  type CallbackRequest,
  endpointUrl,
  normalizeEmail,
  type OAuthIdentity,
  type OAuthProvider,
  oauthFailed,
  providerStep,
} from '../provider.js';

/**
 * A provider's endpoints given by hand, for providers without discovery (or where the app must not
 * depend on fetching it). The ID token's `iss` must still equal `issuer`.
 */
export interface OidcProviderMetadata {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** The keys ID tokens are signed with. */
  jwksUri: string;
  /** Needed for `userInfo` other than `never`; without it the ID token's claims are all there is. */
  userinfoEndpoint?: string;
  /**
   * The provider sends RFC 9207's `iss` on its callback (`authorization_response_iss_parameter_supported`):
   * it is then required and checked, the defence against mix-up attacks. Default false.
   */
  issParameterSupported?: boolean;
}

export interface OidcProviderOptions {
  /** Route segment and external-id key, e.g. `okta`. */
  id: string;
  /**
   * Issuer identifier; metadata comes from `<issuer>/.well-known/openid-configuration`, unless
   * `metadata` gives it.
   */
  issuer: string;
  /** The provider's endpoints: no discovery request is made. */
  metadata?: OidcProviderMetadata;
  clientId: string;
  /** Absent for public clients (then `tokenEndpointAuthMethod` is `none`). */
  clientSecret?: string;
  /** Default `client_secret_basic` with a secret (RFC 6749 §2.3.1: every server supports it), else `none`. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Default `['openid', 'email', 'profile']`; `openid` is always included. */
  scopes?: readonly string[];
  /** Extra authorization parameters (`prompt`, `login_hint`, `hd`); cannot override the protocol ones. */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Call UserInfo when the ID token lacks `email`: `missing` (default), `always` or `never`. */
  userInfo?: 'missing' | 'always' | 'never';
  /** Per-request deadline towards the provider. Default 10 s. */
  timeoutSeconds?: number;
  /** Allow an `http:` issuer. Only for local test providers. */
  allowInsecureRequests?: boolean;
  /** Extra check on the verified claims (e.g. Google's `hd`); throw to refuse the sign-in. */
  checkClaims?: (claims: Readonly<Record<string, unknown>>) => void;
}

const RESERVED_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

function clientAuth(options: OidcProviderOptions): client.ClientAuth {
  const method = options.tokenEndpointAuthMethod ?? (options.clientSecret ? 'client_secret_basic' : 'none');
  if (method === 'none') return client.None();
  if (!options.clientSecret) {
    throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth provider "${options.id}" needs clientSecret for ${method}`);
  }
  return method === 'client_secret_post'
    ? client.ClientSecretPost(options.clientSecret)
    : client.ClientSecretBasic(options.clientSecret);
}

/** `email_verified` is a boolean in the spec; some providers send the string `"true"`. */
function isVerified(value: unknown): boolean {
  return value === true || value === 'true';
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * A generic OpenID Connect provider, configured by discovery (once, on first use; retried after a
 * failure). Authorization code flow with PKCE S256, `state` and `nonce`; openid-client validates
 * the ID token (signature, `iss`, `aud`, `exp`, `nonce`) and, when the provider advertises
 * `authorization_response_iss_parameter_supported`, the RFC 9207 `iss` callback parameter — the
 * defence against mix-up attacks between several providers.
 *
 * @example
 * const okta = oidcProvider({ id: 'okta', issuer: 'https://example.okta.com', clientId, clientSecret });
 */
export function oidcProvider(options: OidcProviderOptions): OAuthProvider {
  const id = assertProviderId(options.id);
  const issuer = endpointUrl(options.issuer, `issuer of "${id}"`, options.allowInsecureRequests === true);
  const auth = clientAuth(options);
  const scopes = new Set(['openid', ...(options.scopes ?? ['email', 'profile'])]);
  const scope = [...scopes].join(' ');
  const extraParams = options.authorizationParams ?? {};
  for (const name of Object.keys(extraParams)) {
    if (RESERVED_PARAMS.has(name)) {
      throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth provider "${id}": authorizationParams cannot set "${name}"`);
    }
  }
  const userInfoMode = options.userInfo ?? 'missing';
  const timeout = options.timeoutSeconds ?? 10;
  const insecure = options.allowInsecureRequests === true;
  // Endpoints given by hand are checked now, at boot; discovery happens on first use.
  let configuration: Promise<client.Configuration> | undefined =
    options.metadata === undefined
      ? undefined
      : Promise.resolve(staticConfiguration(id, options, options.metadata, auth, timeout, insecure));

  const configure = (): Promise<client.Configuration> => {
    configuration ??= client
      .discovery(issuer, options.clientId, undefined, auth, {
        timeout,
        execute: options.allowInsecureRequests ? [client.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        configuration = undefined;
        throw oauthFailed(`OIDC discovery of "${id}" failed`, err);
      });
    return configuration;
  };

  return {
    id,
    usesPkce: true,

    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      const config = await configure();
      return client.buildAuthorizationUrl(config, {
        ...extraParams,
        redirect_uri: request.redirectUri,
        response_type: 'code',
        scope,
        state: request.state,
        nonce: request.nonce,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
      });
    },

    async identify({ redirectUri, params, transaction }: CallbackRequest): Promise<OAuthIdentity> {
      const config = await configure();
      // The redirect URI comes from configuration, never from the Host header; openid-client
      // sends it (without the query) as `redirect_uri` in the token request.
      const currentUrl = new URL(redirectUri);
      currentUrl.search = params.toString();
      const tokens = await providerStep(`OIDC sign-in with "${id}"`, () =>
        client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        }),
      );
      const idClaims = tokens.claims();
      if (idClaims === undefined) throw oauthFailed(`"${id}" returned no ID token`);
      let claims: Record<string, unknown> = { ...idClaims };
      const wantUserInfo =
        userInfoMode === 'always' || (userInfoMode === 'missing' && normalizeEmail(claims.email) === undefined);
      if (wantUserInfo && config.serverMetadata().userinfo_endpoint !== undefined) {
        // fetchUserInfo checks that UserInfo's `sub` is the ID token's (OIDC Core §5.3.2).
        const info = await providerStep(`UserInfo of "${id}"`, () =>
          client.fetchUserInfo(config, tokens.access_token, idClaims.sub),
        );
        claims = { ...info, ...idClaims, ...pickEmail(info, idClaims) };
      }
      options.checkClaims?.(claims);
      const email = normalizeEmail(claims.email);
      return {
        provider: id,
        subject: idClaims.sub,
        email,
        emailVerified: email !== undefined && isVerified(claims.email_verified),
        name: optionalString(claims.name),
        username: optionalString(claims.preferred_username),
        picture: optionalString(claims.picture),
        profile: claims,
      };
    },
  };
}

/** A configuration from `options.metadata`, without discovery. */
function staticConfiguration(
  id: string,
  options: OidcProviderOptions,
  m: OidcProviderMetadata,
  auth: client.ClientAuth,
  timeout: number,
  insecure: boolean,
): client.Configuration {
  const url = (value: string, what: string) => endpointUrl(value, `${what} of "${id}"`, insecure).href;
  const config = new client.Configuration(
    {
      // As configured, not normalised: the ID token's `iss` must equal it exactly.
      issuer: options.issuer,
      authorization_endpoint: url(m.authorizationEndpoint, 'authorizationEndpoint'),
      token_endpoint: url(m.tokenEndpoint, 'tokenEndpoint'),
      jwks_uri: url(m.jwksUri, 'jwksUri'),
      ...(m.userinfoEndpoint === undefined ? {} : { userinfo_endpoint: url(m.userinfoEndpoint, 'userinfoEndpoint') }),
      authorization_response_iss_parameter_supported: m.issParameterSupported === true,
    },
    options.clientId,
    undefined,
    auth,
  );
  config.timeout = timeout;
  if (insecure) client.allowInsecureRequests(config);
  return config;
}

/** E-mail and its verification travel together: take both from the ID token if it has the address. */
function pickEmail(info: Record<string, unknown>, idClaims: Record<string, unknown>): Record<string, unknown> {
  const source = normalizeEmail(idClaims.email) !== undefined ? idClaims : info;
  return { email: source.email, email_verified: source.email_verified };
}
