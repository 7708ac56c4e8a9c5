import * as z from 'zod';
import { AuthErrors } from '../../errors.js';
import {
  type AuthorizationRequest,
  assertProviderId,
  type CallbackRequest,
  endpointUrl,
  grantRefused,
  type OAuthIdentity,
  type OAuthProvider,
  oauthFailed,
  providerStep,
} from '../provider.js';
import { fetchProviderJson } from './provider-fetch.js';

/** Website (QR code) login of the WeChat Open Platform. */
export const WECHAT_ENDPOINTS = {
  authorization: 'https://open.weixin.qq.com/connect/qrconnect',
  token: 'https://api.weixin.qq.com/sns/oauth2/access_token',
  userinfo: 'https://api.weixin.qq.com/sns/userinfo',
} as const;

export interface WeChatProviderOptions {
  /** Default `wechat`. */
  id?: string;
  appId: string;
  appSecret: string;
  /**
   * Default `snsapi_login` (website QR login). Official-account web pages use `snsapi_userinfo` or
   * `snsapi_base` with the `https://open.weixin.qq.com/connect/oauth2/authorize` endpoint.
   */
  scope?: 'snsapi_login' | 'snsapi_userinfo' | 'snsapi_base';
  /** Fetch `/sns/userinfo` for nickname, avatar and unionid. Default true (false for `snsapi_base`). */
  fetchProfile?: boolean;
  /** Language of the profile fields. Default `en`. */
  lang?: 'zh_CN' | 'zh_TW' | 'en';
  /** Override endpoints (local stand-ins in tests). */
  endpoints?: Partial<Record<keyof typeof WECHAT_ENDPOINTS, string>>;
  /** Per-request deadline. Default 10 s. */
  timeoutSeconds?: number;
  /** Allow `http:` endpoints. Only for local stand-ins in tests. */
  allowInsecureRequests?: boolean;
}

/** WeChat answers errors with HTTP 200 and `{ errcode, errmsg }`. */
const errorSchema = z.object({ errcode: z.number(), errmsg: z.string().optional() });

const tokenSchema = z.object({
  access_token: z.string().min(1),
  openid: z.string().min(1).max(128),
  unionid: z.string().min(1).max(128).optional(),
  scope: z.string().optional(),
});

const profileSchema = z.object({
  openid: z.string().min(1),
  unionid: z.string().min(1).max(128).optional(),
  nickname: z.string().optional(),
  headimgurl: z.string().optional(),
});

/** WeChat's answers that refuse the code itself: 40029 invalid code, 40163 code already used. */
const REFUSED_CODE = new Set([40029, 40163]);

/** A code is a short token; anything long is not one. */
const MAX_CODE_LENGTH = 512;

function checkWeChatAnswer<T>(raw: unknown, schema: z.ZodType<T>, what: string): T {
  const failure = errorSchema.safeParse(raw);
  if (failure.success && failure.data.errcode !== 0) {
    const message = `WeChat ${what} answered errcode ${failure.data.errcode}`;
    throw REFUSED_CODE.has(failure.data.errcode) ? grantRefused(message) : oauthFailed(message);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw oauthFailed(`WeChat ${what} answer is malformed`, parsed.error);
  return parsed.data;
}

/**
 * Sign in with WeChat. Not standard OAuth 2: `appid` instead of `client_id`, the app secret in
 * the token request's query string, `#wechat_redirect` on the authorization URL, tokens that
 * carry `openid` (per app) and `unionid` (per developer account, when the app is bound to one),
 * and no e-mail. The subject is `unionid` when present (stable across your apps), else `openid`.
 *
 * WeChat takes no PKCE and no nonce: the browser-bound, single-use `state` is the only defence
 * against forged callbacks, and the secret never leaves the server. `state` must be `[a-zA-Z0-9]`,
 * at most 128 characters; the flow's hex state satisfies that.
 *
 * @example
 * const wechat = wechatProvider({ appId: env.WECHAT_APP_ID, appSecret: env.WECHAT_APP_SECRET });
 */
export function wechatProvider(options: WeChatProviderOptions): OAuthProvider {
  const id = assertProviderId(options.id ?? 'wechat');
  const insecure = options.allowInsecureRequests === true;
  const endpoints = { ...WECHAT_ENDPOINTS, ...options.endpoints };
  const authorizationEndpoint = endpointUrl(endpoints.authorization, `authorization endpoint of "${id}"`, insecure);
  const tokenEndpoint = endpointUrl(endpoints.token, `token endpoint of "${id}"`, insecure);
  const userinfoEndpoint = endpointUrl(endpoints.userinfo, `userinfo endpoint of "${id}"`, insecure);
  const scope = options.scope ?? 'snsapi_login';
  const fetchProfile = options.fetchProfile ?? scope !== 'snsapi_base';
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;

  return {
    id,
    usesPkce: false,

    async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
      // WeChat documents this exact parameter order and the fragment; it refuses reordered URLs
      // on some clients.
      const url = new URL(authorizationEndpoint);
      url.search = '';
      url.searchParams.set('appid', options.appId);
      url.searchParams.set('redirect_uri', request.redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', scope);
      url.searchParams.set('state', request.state);
      url.hash = 'wechat_redirect';
      return url;
    },

    async identify({ params }: CallbackRequest): Promise<OAuthIdentity> {
      const codes = params.getAll('code');
      const code = codes[0];
      // A user who declines is sent back with `state` and no `code`.
      if (codes.length === 0) throw AuthErrors.AUTH_OAUTH_DENIED();
      if (codes.length !== 1 || code === undefined || code.length === 0 || code.length > MAX_CODE_LENGTH) {
        throw grantRefused('WeChat callback carries no usable code');
      }
      return providerStep(`WeChat sign-in with "${id}"`, async () => {
        const tokenUrl = new URL(tokenEndpoint);
        tokenUrl.searchParams.set('appid', options.appId);
        tokenUrl.searchParams.set('secret', options.appSecret);
        tokenUrl.searchParams.set('code', code);
        tokenUrl.searchParams.set('grant_type', 'authorization_code');
        const token = checkWeChatAnswer(
          await fetchProviderJson(tokenUrl, { timeoutMs, what: 'WeChat token exchange' }),
          tokenSchema,
          'token exchange',
        );
        let profile: z.infer<typeof profileSchema> | undefined;
        if (fetchProfile) {
          const infoUrl = new URL(userinfoEndpoint);
          infoUrl.searchParams.set('access_token', token.access_token);
          infoUrl.searchParams.set('openid', token.openid);
          infoUrl.searchParams.set('lang', options.lang ?? 'en');
          profile = checkWeChatAnswer(
            await fetchProviderJson(infoUrl, { timeoutMs, what: 'WeChat userinfo' }),
            profileSchema,
            'userinfo',
          );
          // The profile must describe the user the token was issued for.
          if (profile.openid !== token.openid) throw oauthFailed('WeChat userinfo is for another openid');
        }
        const unionid = token.unionid ?? profile?.unionid;
        return {
          provider: id,
          subject: unionid ?? token.openid,
          emailVerified: false,
          name: profile?.nickname || undefined,
          picture: profile?.headimgurl || undefined,
          profile: {
            openid: token.openid,
            ...(unionid ? { unionid } : {}),
            ...(profile ? { nickname: profile.nickname ?? null } : {}),
          },
        };
      });
    },
  };
}
