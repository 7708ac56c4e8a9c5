import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessTokenService } from '../../src/tokens/access-token-service.js';
import { newRefreshToken } from '../../src/tokens/refresh-token.js';
import {
  AUDIENCE,
  accessTokens,
  b64,
  getWith,
  HS_SECRET,
  ISSUER,
  type Listening,
  listen,
  protectedApp,
  rsaPair,
} from './support.js';

// Every attack goes through the real HTTP stack: plain Koa + requestContext + errorBoundary +
// authenticate(). Each must end in a 401 problem+json with the right code, never a 500.

let tokens: AccessTokenService;
let http: Listening;
let url: string;
let jkuServer: Server;
let jkuUrl: string;
let jkuHits = 0;

const now = () => Math.floor(Date.now() / 1000);
const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'user-1',
  sid: 'session-1',
  jti: randomBytes(8).toString('hex'),
  typ: 'access',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...over,
});
const without = (name: string): Record<string, unknown> => {
  const c = claims();
  delete c[name];
  return c;
};

/** Sign with HMAC over whatever header and payload we like (our real secret unless told). */
function hs(
  header: Record<string, unknown>,
  payload: unknown,
  secret: string | Buffer = HS_SECRET,
  hash = 'sha256',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}
const good = (over: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  hs({ alg: 'HS256', typ: 'JWT', kid: 'hs1', ...header }, claims(over));

beforeAll(async () => {
  tokens = accessTokens();
  http = await listen(protectedApp(tokens));
  url = `${http.base}/me`;
  jkuServer = createServer((_req, res) => {
    jkuHits += 1;
    res.end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => jkuServer.listen(0, '127.0.0.1', resolve));
  jkuUrl = `http://127.0.0.1:${(jkuServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await http?.close();
  await new Promise((resolve) => jkuServer?.close(resolve));
});

async function expect401(token: string, code: string): Promise<void> {
  const res = await getWith(url, { Authorization: `Bearer ${token}` });
  expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code });
  expect(res.contentType).toContain('application/problem+json');
  expect(res.challenge).toBe('Bearer realm="api", error="invalid_token"');
  expect(typeof res.body.requestId).toBe('string');
}

describe('the baseline', () => {
  it('accepts a genuine token and puts the principal in the request context', async () => {
    const res = await getWith(url, { Authorization: `Bearer ${good()}` });
    expect(res.status).toBe(200);
    expect(res.body.principal).toMatchObject({ id: 'user-1', type: 'user', sessionId: 'session-1' });
    expect(res.body.sessionId).toBe('session-1');
  });

  it('answers a request without credentials with AUTH_REQUIRED and no error attribute (RFC 6750 §3.1)', async () => {
    const res = await getWith(url);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'AUTH_REQUIRED' });
    expect(res.challenge).toBe('Bearer realm="api"');
  });
});

describe('algorithm attacks', () => {
  const unsigned = (alg: string) => `${b64({ alg, typ: 'JWT', kid: 'hs1' })}.${b64(claims())}.`;
  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s, with and without a signature', async (alg) => {
    await expect401(unsigned(alg), 'AUTH_TOKEN_INVALID');
    await expect401(`${unsigned(alg)}${b64('sig')}`, 'AUTH_TOKEN_INVALID');
    await expect401(hs({ alg, kid: 'hs1' }, claims()), 'AUTH_TOKEN_INVALID');
  });

  it('refuses an HS256 token signed with the RS256 public key (key confusion)', async () => {
    const { publicKey } = rsaPair();
    await expect401(hs({ alg: 'HS256', kid: 'rs1' }, claims(), publicKey), 'AUTH_TOKEN_INVALID');
    await expect401(hs({ alg: 'HS256', kid: 'hs1' }, claims(), publicKey), 'AUTH_TOKEN_INVALID');
    await expect401(hs({ alg: 'HS256' }, claims(), publicKey), 'AUTH_TOKEN_INVALID');
  });

  it('refuses an algorithm off the allow-list even with the right secret', async () => {
    await expect401(hs({ alg: 'HS512', kid: 'hs1' }, claims(), HS_SECRET, 'sha512'), 'AUTH_TOKEN_INVALID');
    await expect401(hs({ alg: 'HS384', kid: 'hs1' }, claims(), HS_SECRET, 'sha384'), 'AUTH_TOKEN_INVALID');
  });

  it('refuses an RS key used under another RSA algorithm header', async () => {
    const signer = createSign('RSA-SHA512');
    const input = `${b64({ alg: 'RS512', kid: 'rs1' })}.${b64(claims())}`;
    signer.update(input);
    await expect401(`${input}.${signer.sign(rsaPair().privateKey, 'base64url')}`, 'AUTH_TOKEN_INVALID');
  });
});

describe('claims', () => {
  it.each(['exp', 'iat', 'iss', 'aud', 'sub', 'jti', 'sid', 'typ'])('refuses a token without %s', async (name) => {
    await expect401(hs({ alg: 'HS256', kid: 'hs1' }, without(name)), 'AUTH_TOKEN_INVALID');
  });

  it('says AUTH_TOKEN_EXPIRED for an expired genuine token (beyond the 5 s tolerance)', async () => {
    await expect401(good({ iat: now() - 900, exp: now() - 10 }), 'AUTH_TOKEN_EXPIRED');
  });

  it('accepts a token expired within the clock tolerance', async () => {
    const res = await getWith(url, { Authorization: `Bearer ${good({ iat: now() - 600, exp: now() - 2 })}` });
    expect(res.status).toBe(200);
  });

  it.each([
    ['a future nbf', { nbf: now() + 120 }],
    ['a future iat', { iat: now() + 120, exp: now() + 600 }],
    ['a wrong audience', { aud: 'other-api' }],
    ['a wrong issuer', { iss: 'https://evil.test' }],
    ['typ refresh', { typ: 'refresh' }],
    ['typ id', { typ: 'id' }],
    ['a lifetime longer than ours', { exp: now() + 86_400 }],
    ['a string exp', { exp: String(now() + 600) }],
    ['a non-string sub', { sub: 42 }],
    ['an empty sid', { sid: '' }],
    ['roles that are not strings', { roles: [{ admin: true }] }],
  ])('refuses %s', async (_name, over) => {
    await expect401(good(over), 'AUTH_TOKEN_INVALID');
  });

  it('refuses a refresh token presented as an access token', async () => {
    await expect401(newRefreshToken().token, 'AUTH_TOKEN_INVALID');
  });

  it('refuses a payload that is not an object', async () => {
    await expect401(hs({ alg: 'HS256', kid: 'hs1' }, '"just a string"'), 'AUTH_TOKEN_INVALID');
    await expect401(hs({ alg: 'HS256', kid: 'hs1' }, [1, 2, 3]), 'AUTH_TOKEN_INVALID');
  });
});

describe('hostile headers', () => {
  it.each([
    ['a path-like kid', '../../etc/passwd'],
    ['an unknown kid', 'hs2'],
    ['a 5 KB kid', 'k'.repeat(5000)],
    ['a __proto__ kid', '__proto__'],
    ['a constructor kid', 'constructor'],
    ['a numeric kid', 1],
    ['an object kid', { $ne: null }],
    ['an SQL kid', "' OR 1=1 --"],
  ])('refuses %s', async (_name, kid) => {
    await expect401(hs({ alg: 'HS256', kid }, claims()), 'AUTH_TOKEN_INVALID');
  });

  it('refuses a 10 KB kid by size, before parsing', async () => {
    await expect401(hs({ alg: 'HS256', kid: 'k'.repeat(10_000) }, claims()), 'AUTH_TOKEN_INVALID');
  });

  it('never trusts or fetches jku / x5u / jwk / x5c', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    for (const header of [
      { alg: 'RS256', jku: jkuUrl, kid: 'attacker' },
      { alg: 'RS256', x5u: jkuUrl },
      { alg: 'RS256', jwk },
      { alg: 'RS256', jwk, kid: 'rs1' },
      { alg: 'RS256', x5c: ['MIIBIjANBgkqh'], kid: 'rs1' },
    ]) {
      const input = `${b64(header)}.${b64(claims())}`;
      const signature = createSign('RSA-SHA256').update(input).sign(attacker.privateKey, 'base64url');
      await expect401(`${input}.${signature}`, 'AUTH_TOKEN_INVALID');
    }
    expect(jkuHits).toBe(0);
  });

  it('ignores jku on a genuine token (the key still comes from the ring)', async () => {
    const res = await getWith(url, { Authorization: `Bearer ${good({}, { jku: jkuUrl })}` });
    expect(res.status).toBe(200);
    expect(jkuHits).toBe(0);
  });

  it('refuses a crit header it cannot honour', async () => {
    await expect401(good({}, { crit: ['exp'] }), 'AUTH_TOKEN_INVALID');
  });
});

describe('malformed tokens', () => {
  const valid = () => good().split('.');
  it.each([
    ['one part', () => valid()[0]!],
    ['two parts', () => valid().slice(0, 2).join('.')],
    ['four parts', () => [...valid(), 'extra'].join('.')],
    ['five parts (JWE shape)', () => [...valid(), 'a', 'b'].join('.')],
    ['an empty signature', () => `${valid().slice(0, 2).join('.')}.`],
    ['bad base64 in the header', () => `!!!${valid().join('.')}`],
    [
      'padding',
      () =>
        valid()
          .map((p) => `${p}==`)
          .join('.'),
    ],
    ['standard base64 characters', () => `${valid()[0]}+/.${valid()[1]}.${valid()[2]}`],
    ['a non-JSON header', () => `${b64('not json')}.${valid()[1]}.${valid()[2]}`],
    ['a JSON array header', () => `${b64([1])}.${valid()[1]}.${valid()[2]}`],
    ['a null header', () => `${b64('null')}.${valid()[1]}.${valid()[2]}`],
    ['a non-JSON payload, correctly signed', () => hs({ alg: 'HS256', kid: 'hs1', typ: 'JWT' }, 'not json {')],
    ['a tampered payload', () => `${valid()[0]}.${b64(claims({ sub: 'admin' }))}.${valid()[2]}`],
    ['a truncated signature', () => `${valid().join('.').slice(0, -5)}`],
    ['9 KB of junk', () => 'a'.repeat(9000)],
    ['a huge but well-formed token', () => good({ pad: 'x'.repeat(9000) })],
    ['dots only', () => '...'],
    ['a single dot', () => '.'],
  ])('refuses %s', async (_name, make) => {
    await expect401(make(), 'AUTH_TOKEN_INVALID');
  });

  it.each([
    ['Bearer with no token', 'Bearer'],
    ['Bearer with spaces inside the token', `Bearer ${good()} extra`],
    ['Bearer with a non-token character', 'Bearer abc$def.ghi.jkl'],
    ['Bearer with a control character', 'Bearer abc\tdef'],
  ])('refuses %s', async (_name, header) => {
    const res = await getWith(url, { Authorization: header });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'AUTH_TOKEN_INVALID' });
    expect(res.contentType).toContain('application/problem+json');
  });

  it('treats another scheme as no bearer credential', async () => {
    const res = await getWith(url, { Authorization: 'Basic dXNlcjpwYXNz' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'AUTH_REQUIRED' });
  });
});
