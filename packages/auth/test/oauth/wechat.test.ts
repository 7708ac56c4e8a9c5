import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wechatProvider } from '../../src/oauth/providers/wechat.js';
import { browse, CookieJar, location } from './support/cookie-jar.js';
import { type Listening, listenLoopback } from './support/listen.js';
import { callback, explain, mountOAuthApp, type OAuthTestApp, startLogin } from './support/oauth-app.js';
import { startWeChatStandIn, type WeChatStandIn } from './support/wechat-stand-in.js';

// WeChat's servers are not reachable from the test environment: these run against a local
// stand-in (./support/wechat-stand-in.ts) that behaves as WeChat documents its website login.

let appServer: Listening;
let wechat: WeChatStandIn;
let app: OAuthTestApp;

beforeAll(async () => {
  appServer = await listenLoopback();
  wechat = await startWeChatStandIn({
    li: { openid: 'oLi_openid_for_this_app', unionid: 'uLi_union', nickname: '李雷' },
    han: { openid: 'oHan_openid_only', nickname: 'Han' },
  });
  app = mountOAuthApp(appServer, {
    providers: [
      wechatProvider({
        appId: wechat.appId,
        appSecret: wechat.appSecret,
        endpoints: {
          authorization: `${wechat.url}/connect/qrconnect`,
          token: `${wechat.url}/sns/oauth2/access_token`,
          userinfo: `${wechat.url}/sns/userinfo`,
        },
        allowInsecureRequests: true,
      }),
    ],
  });
});

afterAll(async () => {
  await appServer?.close();
  await wechat?.close();
});

beforeEach(() => {
  app.logins.length = 0;
  app.errors.length = 0;
  wechat.userinfoOpenIdOverride = undefined;
});

async function scan(jar: CookieJar, user: string, returnTo?: string): Promise<URL> {
  wechat.nextUser = user;
  const { authorizationUrl } = await startLogin(jar, app.url, 'wechat', returnTo);
  const res = await browse(jar, authorizationUrl);
  return location(res, authorizationUrl);
}

describe('WeChat sign-in (local stand-in)', () => {
  it('builds WeChat’s own authorization URL: appid, documented order, snsapi_login, #wechat_redirect', async () => {
    const { authorizationUrl } = await startLogin(new CookieJar(), app.url, 'wechat');
    expect(authorizationUrl.hash).toBe('#wechat_redirect');
    expect([...authorizationUrl.searchParams.keys()]).toEqual([
      'appid',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
    ]);
    expect(authorizationUrl.searchParams.get('appid')).toBe(wechat.appId);
    expect(authorizationUrl.searchParams.get('scope')).toBe('snsapi_login');
    expect(authorizationUrl.searchParams.get('state')).toMatch(/^[a-zA-Z0-9]{1,128}$/);
    expect(authorizationUrl.searchParams.has('client_id')).toBe(false);
  });

  it('signs in with unionid as the subject when WeChat gives one; no e-mail', async () => {
    const jar = new CookieJar();
    const { res } = await callback(jar, await scan(jar, 'li', '/home'));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/home');
    expect(app.logins).toEqual([
      expect.objectContaining({ provider: 'wechat', subject: 'uLi_union', emailVerified: false, name: '李雷' }),
    ]);
    expect(app.logins[0]?.email).toBeUndefined();
  });

  it('falls back to openid without unionid', async () => {
    const jar = new CookieJar();
    await callback(jar, await scan(jar, 'han'));
    expect(app.logins[0]).toMatchObject({ subject: 'oHan_openid_only' });
  });

  it('answers 400 AUTH_OAUTH_GRANT_INVALID when WeChat refuses the code (errcode 40029)', async () => {
    const jar = new CookieJar();
    const url = await scan(jar, 'li');
    url.searchParams.set('code', 'forged');
    const { res, body } = await callback(jar, url);
    expect([res.status, body.code]).toEqual([400, 'AUTH_OAUTH_GRANT_INVALID']);
    expect(explain(app.errors[0])).toMatch(/errcode 40029/);
  });

  it('answers 403 AUTH_OAUTH_DENIED when the user declined (no code), 502 when userinfo describes another openid', async () => {
    const jar = new CookieJar();
    const declined = await scan(jar, 'li');
    declined.searchParams.delete('code');
    const refused = await callback(jar, declined);
    expect([refused.res.status, refused.body.code]).toEqual([403, 'AUTH_OAUTH_DENIED']);

    wechat.userinfoOpenIdOverride = 'someone-else';
    expect((await callback(jar, await scan(jar, 'li'))).body.code).toBe('AUTH_OAUTH_FAILED');
    expect(explain(app.errors[1])).toMatch(/another openid/);
    expect(app.logins).toHaveLength(0);
  });

  it('binds state to the browser (WeChat has no PKCE, so this is the defence)', async () => {
    const url = await scan(new CookieJar(), 'li');
    expect((await callback(new CookieJar(), url)).body.code).toBe('AUTH_OAUTH_STATE_INVALID');
  });
});
