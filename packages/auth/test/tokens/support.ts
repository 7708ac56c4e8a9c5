import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { errorBoundary, requestContext } from '@koaforge/core';
import { type KoaListening, listenKoa } from '@koaforge/core/testing';
import Koa from 'koa';
import { authenticate } from '../../src/authenticate/authenticate.js';
import type { ApiKeyVerifier } from '../../src/authenticate/credential-authenticator.js';
import { AccessTokenService, type AccessTokenServiceOptions } from '../../src/tokens/access-token-service.js';
import { KeyRing } from '../../src/tokens/key-ring.js';

export const ISSUER = 'https://auth.test';
export const AUDIENCE = 'api';
export const HS_SECRET = randomBytes(32).toString('base64url');

let rsa: { privateKey: string; publicKey: string } | undefined;
/** One 2048-bit pair per test file (generation takes ~100 ms). */
export function rsaPair(): { privateKey: string; publicKey: string } {
  rsa ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return rsa;
}

/** A ring that allows HS256 and RS256 at once (the worst case for confusion) and signs with `active`. */
export function mixedRing(active: 'hs1' | 'rs1' = 'hs1', now?: () => number): KeyRing {
  const { privateKey } = rsaPair();
  return new KeyRing(
    {
      algorithms: ['HS256', 'RS256'],
      activeKid: active,
      keys: [
        { kid: 'hs1', alg: 'HS256', secret: HS_SECRET },
        { kid: 'rs1', alg: 'RS256', privateKey },
      ],
    },
    now === undefined ? {} : { now },
  );
}

export function accessTokens(options: Partial<AccessTokenServiceOptions> = {}): AccessTokenService {
  return new AccessTokenService({ keys: mixedRing(), issuer: ISSUER, audience: AUDIENCE, ...options });
}

export const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Plain Koa + core's context and error boundary + `authenticate()`; echoes who it saw. */
export function protectedApp(
  tokens: AccessTokenService,
  options: { optional?: boolean; apiKeyVerifier?: ApiKeyVerifier } = {},
): Koa {
  const app = new Koa();
  app.use(requestContext());
  app.use(errorBoundary());
  app.use(authenticate({ accessTokens: tokens, ...options }));
  app.use((ctx) => {
    const rc = ctx.state.requestContext;
    ctx.body = {
      principal: rc?.principal ?? null,
      sessionId: ctx.state.auth?.sessionId ?? null,
      tokenId: ctx.state.auth?.tokenId ?? null,
    };
  });
  return app;
}

export type Listening = KoaListening;
export const listen = listenKoa;

/** GET with an optional bearer token; returns status, body and the headers tests look at. */
export async function getWith(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; contentType: string; challenge: string | null }> {
  const res = await fetch(url, { headers });
  const body = (await res.json()) as Record<string, unknown>;
  return {
    status: res.status,
    body,
    contentType: res.headers.get('content-type') ?? '',
    challenge: res.headers.get('www-authenticate'),
  };
}
