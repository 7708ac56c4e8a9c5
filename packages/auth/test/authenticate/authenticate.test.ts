import { type Principal, RequestContext, runWithContext } from '@koaforge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialAuthenticator } from '../../src/authenticate/credential-authenticator.js';
import { AuthErrors } from '../../src/errors.js';
import type { AccessTokenService } from '../../src/tokens/access-token-service.js';
import { accessTokens, getWith, type Listening, listen, protectedApp } from '../tokens/support.js';

const keyPrincipal: Principal = { id: 'key-1', type: 'apiKey', tenantId: 'acme', scopes: ['files:read'] };
const apiKeyVerifier = {
  async verify(key: string): Promise<Principal> {
    if (key === 'kf_good') return keyPrincipal;
    throw AuthErrors.AUTH_API_KEY_INVALID();
  },
};

let tokens: AccessTokenService;
let strict: Listening;
let optional: Listening;

beforeAll(async () => {
  tokens = accessTokens();
  strict = await listen(protectedApp(tokens, { apiKeyVerifier }));
  optional = await listen(protectedApp(tokens, { optional: true }));
});
afterAll(async () => {
  await strict?.close();
  await optional?.close();
});

describe('authenticate()', () => {
  it('sets the principal in the request context and ctx.state.auth', async () => {
    const issued = tokens.sign({ subject: 'u1', sessionId: 's1', tenantId: 'acme', roles: ['member'] });
    const res = await getWith(strict.base, { Authorization: `Bearer ${issued.token}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      principal: { id: 'u1', type: 'user', tenantId: 'acme', roles: ['member'], sessionId: 's1' },
      sessionId: 's1',
      tokenId: issued.tokenId,
    });
  });

  it('accepts the scheme in any case (RFC 7235 §2.1)', async () => {
    const { token } = tokens.sign({ subject: 'u1', sessionId: 's1' });
    expect((await getWith(strict.base, { Authorization: `bearer ${token}` })).status).toBe(200);
    expect((await getWith(strict.base, { Authorization: `BEARER  ${token}` })).status).toBe(200);
  });

  it('delegates X-Api-Key to the injected verifier', async () => {
    const ok = await getWith(strict.base, { 'X-Api-Key': 'kf_good' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ principal: keyPrincipal, sessionId: null, tokenId: null });
    const bad = await getWith(strict.base, { 'X-Api-Key': 'kf_bad' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 401, code: 'AUTH_API_KEY_INVALID' });
  });

  it('ignores X-Api-Key when no verifier is configured', async () => {
    const res = await getWith(optional.base, { 'X-Api-Key': 'kf_good' });
    expect(res.status).toBe(200);
    expect(res.body.principal).toBeNull();
  });

  it('refuses two credentials in one request (RFC 6750 §2)', async () => {
    const { token } = tokens.sign({ subject: 'u1', sessionId: 's1' });
    const res = await getWith(strict.base, { Authorization: `Bearer ${token}`, 'X-Api-Key': 'kf_good' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'AUTH_TOKEN_INVALID' });
    expect(res.challenge).toBe('Bearer realm="api", error="invalid_request"');
  });

  it('optional: lets anonymous requests through, still refuses bad credentials', async () => {
    const anon = await getWith(optional.base);
    expect(anon.status).toBe(200);
    expect(anon.body.principal).toBeNull();
    const bad = await getWith(optional.base, { Authorization: 'Bearer a.b.c' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 401, code: 'AUTH_TOKEN_INVALID' });
  });
});

describe('CredentialAuthenticator (core Authenticator)', () => {
  const authenticator = () => new CredentialAuthenticator({ accessTokens: tokens, apiKeyVerifier });

  it('answers undefined without credentials and a principal for a header or an outside token', async () => {
    const { token } = tokens.sign({ subject: 'u2', sessionId: 's2' });
    const auth = authenticator();
    await expect(auth.authenticate({ headers: {} })).resolves.toBeUndefined();
    await expect(auth.authenticate({ headers: { authorization: `Bearer ${token}` } })).resolves.toMatchObject({
      id: 'u2',
    });
    await expect(auth.authenticate({ headers: {}, token, ip: '127.0.0.1' })).resolves.toMatchObject({ id: 'u2' });
    await expect(auth.authenticate({ headers: { 'x-api-key': 'kf_good' } })).resolves.toEqual(keyPrincipal);
  });

  it('throws 401 catalogue errors carrying WWW-Authenticate', async () => {
    const auth = authenticator();
    const expired = accessTokens({ now: () => Date.now() - 3_600_000 }).sign({ subject: 'u', sessionId: 's' }).token;
    await expect(auth.authenticate({ headers: {}, token: expired })).rejects.toMatchObject({
      code: 'AUTH_TOKEN_EXPIRED',
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' },
    });
    await expect(auth.authenticate({ headers: { authorization: ['Bearer a', 'Bearer b'] } })).rejects.toMatchObject({
      code: 'AUTH_TOKEN_INVALID',
    });
    expect(auth.required()).toMatchObject({
      code: 'AUTH_REQUIRED',
      headers: { 'WWW-Authenticate': 'Bearer realm="api"' },
    });
  });

  it('works outside HTTP, inside a request context of its own', async () => {
    const { token } = tokens.sign({ subject: 'u3', sessionId: 's3' });
    const rc = new RequestContext({ requestId: 'ws-1' });
    const principal = await runWithContext(rc, () => authenticator().authenticate({ headers: {}, token }));
    expect(principal?.id).toBe('u3');
  });

  it('refuses a realm that would break the header', () => {
    expect(() => new CredentialAuthenticator({ accessTokens: tokens, realm: 'a"b' })).toThrow(TypeError);
  });
});
