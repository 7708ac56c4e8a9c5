import { bodyParser, errorBoundary, requestContext } from '@koaforge/core';
import { listenKoa } from '@koaforge/core/testing';
import Koa from 'koa';
import type { PasswordLogin } from '../../src/passwords/password-login.js';

/** A minimal Koa app around `PasswordLogin`, so answers are compared as a client sees them. */
export async function startLoginApp(login: PasswordLogin): Promise<{ url: string; close(): Promise<void> }> {
  const koa = new Koa();
  koa.use(requestContext());
  koa.use(errorBoundary());
  koa.use(bodyParser());
  koa.use(async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const ip = typeof body.ip === 'string' ? body.ip : ctx.ip;
    const tenant = typeof body.tenant === 'string' ? body.tenant : undefined;
    const user = await login.login(body.email, body.password, tenant, { ip });
    ctx.body = { id: user.id };
  });
  const { base, close } = await listenKoa(koa);
  return { url: base, close };
}

export async function postLogin(
  url: string,
  body: Record<string, unknown>,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
