import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type Listening, listenLoopback } from './listen.js';

/**
 * A stand-in for WeChat's website-login endpoints (open.weixin.qq.com / api.weixin.qq.com),
 * because the real services are not reachable from the test environment. It follows WeChat's
 * documented behaviour: `appid`/`secret` in the token request's query string, errors answered as
 * HTTP 200 `{ errcode, errmsg }`, `openid` always and `unionid` only for apps bound to an
 * Open Platform account, no e-mail.
 */
export interface WeChatStandIn {
  readonly url: string;
  readonly appId: string;
  readonly appSecret: string;
  /** The WeChat user who scans the QR code next. */
  nextUser: string;
  /** Make /sns/userinfo describe another openid (a broken or hostile answer). */
  userinfoOpenIdOverride: string | undefined;
  /** Authorization requests as received (query parameters in order). */
  readonly authorizeQueries: string[];
  close(): Promise<void>;
}

export interface WeChatStandInUser {
  readonly openid: string;
  readonly unionid?: string;
  readonly nickname: string;
}

function json(res: ServerResponse, body: unknown): void {
  // WeChat answers errors with HTTP 200 too.
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startWeChatStandIn(users: Record<string, WeChatStandInUser>): Promise<WeChatStandIn> {
  const listening: Listening = await listenLoopback();
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const state: WeChatStandIn = {
    url: listening.url,
    appId: 'wx0123456789abcdef',
    appSecret: 'wechat-standin-secret',
    nextUser: 'li',
    userinfoOpenIdOverride: undefined,
    authorizeQueries: [],
    close: () => listening.close(),
  };

  listening.handle((req, res) => {
    const url = new URL(req.url ?? '/', listening.url);
    const q = url.searchParams;
    if (url.pathname === '/connect/qrconnect') {
      state.authorizeQueries.push(url.search);
      if (q.get('appid') !== state.appId || q.get('scope') !== 'snsapi_login' || q.get('response_type') !== 'code') {
        return json(res, { errcode: 10003, errmsg: 'redirect_uri or appid invalid' });
      }
      const code = randomBytes(8).toString('hex');
      codes.set(code, state.nextUser);
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/sns/oauth2/access_token') {
      if (q.get('appid') !== state.appId || q.get('secret') !== state.appSecret) {
        return json(res, { errcode: 40125, errmsg: 'invalid appsecret' });
      }
      const name = codes.get(q.get('code') ?? '');
      codes.delete(q.get('code') ?? '');
      const user = name === undefined ? undefined : users[name];
      if (user === undefined || q.get('grant_type') !== 'authorization_code') {
        return json(res, { errcode: 40029, errmsg: 'invalid code' });
      }
      const token = randomBytes(12).toString('hex');
      tokens.set(token, name ?? '');
      return json(res, {
        access_token: token,
        expires_in: 7200,
        refresh_token: randomBytes(12).toString('hex'),
        openid: user.openid,
        scope: 'snsapi_login',
        ...(user.unionid ? { unionid: user.unionid } : {}),
      });
    }
    if (url.pathname === '/sns/userinfo') {
      const user = users[tokens.get(q.get('access_token') ?? '') ?? ''];
      if (user === undefined || q.get('openid') !== user.openid)
        return json(res, { errcode: 40003, errmsg: 'invalid openid' });
      return json(res, {
        openid: state.userinfoOpenIdOverride ?? user.openid,
        nickname: user.nickname,
        sex: 0,
        headimgurl: 'https://thirdwx.qlogo.cn/mmopen/standin/132',
        privilege: [],
        ...(user.unionid ? { unionid: user.unionid } : {}),
      });
    }
    res.writeHead(404).end();
  });
  return state;
}
