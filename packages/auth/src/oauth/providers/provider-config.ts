import { secret } from '@koaforge/core';
import * as z from 'zod';
import { AuthErrors } from '../../errors.js';
import type { OAuthProvider } from '../provider.js';
import { githubProvider } from './github.js';
import { googleProvider } from './google.js';
import { oidcProvider } from './oidc.js';
import { wechatProvider } from './wechat.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/);
const common = {
  timeoutSeconds: z.number().positive().max(60).optional(),
  /** Plain-HTTP endpoints, for local providers in tests only. */
  allowInsecureRequests: z.boolean().optional(),
  /**
   * `authPlugin` only: accounts signing in through this provider are looked up (and created) in
   * this tenant, whatever `/start?tenant=` says (an enterprise IdP that belongs to one tenant).
   */
  tenant: z.string().min(1).max(128).optional(),
};
const clientSecret = secret(z.string().min(1));
const scopes = z.array(z.string().min(1)).optional();

/**
 * One provider in the plugin's config (`auth.oauth.providers[]`). Secrets should come from the
 * environment (`${GITHUB_CLIENT_SECRET}`).
 */
export const oauthProviderConfigSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('oidc'),
    id,
    issuer: z.url(),
    /** Endpoints by hand, for providers without discovery: then none is fetched. */
    metadata: z
      .object({
        authorizationEndpoint: z.url(),
        tokenEndpoint: z.url(),
        jwksUri: z.url(),
        userinfoEndpoint: z.url().optional(),
        issParameterSupported: z.boolean().optional(),
      })
      .optional(),
    clientId: z.string().min(1),
    clientSecret: clientSecret.optional(),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
    scopes,
    authorizationParams: z.record(z.string(), z.string()).optional(),
    userInfo: z.enum(['missing', 'always', 'never']).optional(),
    ...common,
  }),
  z.object({
    type: z.literal('google'),
    id: id.optional(),
    clientId: z.string().min(1),
    clientSecret,
    hostedDomain: z.string().min(1).optional(),
    scopes,
    issuer: z.url().optional(),
    ...common,
  }),
  z.object({
    type: z.literal('github'),
    id: id.optional(),
    clientId: z.string().min(1),
    clientSecret,
    scopes,
    endpoints: z.object({ authorization: z.url(), token: z.url(), api: z.url() }).partial().optional(),
    userAgent: z.string().min(1).optional(),
    ...common,
  }),
  z.object({
    type: z.literal('wechat'),
    id: id.optional(),
    appId: z.string().min(1),
    appSecret: clientSecret,
    scope: z.enum(['snsapi_login', 'snsapi_userinfo', 'snsapi_base']).optional(),
    fetchProfile: z.boolean().optional(),
    lang: z.enum(['zh_CN', 'zh_TW', 'en']).optional(),
    endpoints: z.object({ authorization: z.url(), token: z.url(), userinfo: z.url() }).partial().optional(),
    ...common,
  }),
]);

export type OAuthProviderConfig = z.infer<typeof oauthProviderConfigSchema>;

/** Option objects ignore the extra `type` member. */
function buildProvider(config: OAuthProviderConfig): OAuthProvider {
  if (config.type === 'oidc') return oidcProvider(config);
  if (config.type === 'google') return googleProvider(config);
  if (config.type === 'github') return githubProvider(config);
  return wechatProvider(config);
}

/**
 * Build providers from config entries (validated with {@link oauthProviderConfigSchema}).
 * Duplicate ids are a configuration error: ids are route segments and external-id keys.
 */
export function createOAuthProviders(configs: readonly OAuthProviderConfig[]): OAuthProvider[] {
  const providers = configs.map((entry, index) => {
    const parsed = oauthProviderConfigSchema.safeParse(entry);
    if (!parsed.success) {
      const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
      throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth provider #${index} is invalid at: ${where}`);
    }
    return buildProvider(parsed.data);
  });
  const seen = new Set<string>();
  for (const provider of providers) {
    if (seen.has(provider.id)) throw AuthErrors.AUTH_CONFIG_INVALID(`OAuth provider id "${provider.id}" is used twice`);
    seen.add(provider.id);
  }
  return providers;
}
