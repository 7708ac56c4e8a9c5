import type { IncomingMessage } from 'node:http';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { normalizeHost, requestHost } from '../../src/index.js';
import { listenKoa } from '../../src/testing/index.js';

const req = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;

describe('requestHost', () => {
  it('is the Host header, lower-case, without port or trailing dot', () => {
    expect(requestHost(req({ host: 'ACME.Example.com:8443' }))).toBe('acme.example.com');
    expect(requestHost(req({ host: 'acme.localhost' }))).toBe('acme.localhost');
    expect(requestHost(req({ host: 'example.com.' }))).toBe('example.com');
    expect(requestHost(req({ host: '127.0.0.1:3000' }))).toBe('127.0.0.1');
    expect(requestHost(req({ host: '[::1]:3000' }))).toBe('[::1]');
    expect(requestHost(req({ host: '[2001:DB8::1]' }))).toBe('[2001:db8::1]');
    expect(requestHost(req({}))).toBeUndefined();
  });

  it('rejects malformed hosts', () => {
    for (const bad of [
      '',
      'user@evil.com',
      'evil.com/path',
      'a b.com',
      'evil.com:',
      'evil.com:99999',
      'evil.com:80:80',
      '-acme.com',
      'acme-.com',
      'ac_me.com',
      'acme..com',
      '.',
      `${'a'.repeat(64)}.com`,
      `${'a.'.repeat(127)}com`,
      '[::1',
      '[::1]x',
      '[zz::1]',
      'exämple.com',
    ]) {
      expect(requestHost(req({ host: bad })), bad).toBeUndefined();
      expect(normalizeHost(bad), bad).toBeUndefined();
    }
  });

  it('ignores X-Forwarded-Host without trusted proxies', () => {
    const spoofed = req({ host: 'acme.example.com', 'x-forwarded-host': 'globex.example.com' });
    expect(requestHost(spoofed)).toBe('acme.example.com');
    expect(requestHost(spoofed, { trustedProxyHops: 0 })).toBe('acme.example.com');
  });

  it('takes the Nth X-Forwarded-Host entry from the right with N trusted hops, never the leftmost', () => {
    const chain = req({ host: 'internal:8080', 'x-forwarded-host': 'globex.example.com, acme.example.com' });
    expect(requestHost(chain, { trustedProxyHops: 1 })).toBe('acme.example.com');
    expect(requestHost(chain, { trustedProxyHops: 2 })).toBe('globex.example.com');
    // Shorter than the hops: the leftmost entry.
    expect(requestHost(chain, { trustedProxyHops: 5 })).toBe('globex.example.com');
    // No forwarded header: the proxy passed Host through.
    expect(requestHost(req({ host: 'acme.example.com' }), { trustedProxyHops: 1 })).toBe('acme.example.com');
  });

  it('gives no host when the trusted entry is malformed (never falls back to a client-written one)', () => {
    const bad = req({ host: 'acme.example.com', 'x-forwarded-host': 'globex.example.com, bad host' });
    expect(requestHost(bad, { trustedProxyHops: 1 })).toBeUndefined();
  });

  it('reads a Koa context on a real request', async () => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = { plain: requestHost(ctx) ?? null, proxied: requestHost(ctx, { trustedProxyHops: 1 }) ?? null };
    });
    const { base, close } = await listenKoa(app);
    try {
      const res = await fetch(`${base}/`, { headers: { 'X-Forwarded-Host': 'Acme.Example.com' } });
      expect(await res.json()).toEqual({ plain: '127.0.0.1', proxied: 'acme.example.com' });
    } finally {
      await close();
    }
  });
});
