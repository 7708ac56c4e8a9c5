import { RequestContext, runWithContext } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import { ownsKey, parseTenantKey, TenantErrors, tenantKeys } from '../../src/index.js';

function inTenant<T>(id: string, fn: () => T): T {
  const rc = new RequestContext({ requestId: 'r1' });
  rc.setTenant({ id });
  return runWithContext(rc, fn);
}

describe('tenantKeys', () => {
  it('scopes Redis keys, cache keys, storage keys and rooms by tenant', () => {
    const keys = tenantKeys('acme');
    expect(keys.redis('sessions', 'u1')).toBe('t:acme:sessions:u1');
    expect(keys.cache('user', 'u1')).toBe('tc:acme:user:u1');
    expect(keys.storage('avatars', 'u1.png')).toBe('tenants/acme/avatars/u1.png');
    expect(keys.room('chat', 'general')).toBe('t:acme:chat:general');
  });

  it('uses the current tenant when none is given, and TENANT_REQUIRED without one', () => {
    expect(inTenant('globex', () => tenantKeys().redis('x'))).toBe('t:globex:x');
    expect(() => tenantKeys()).toThrow(expect.objectContaining({ code: 'TENANT_REQUIRED', status: 400 }));
  });

  it('wraps the tenant id in a Redis Cluster hash tag when asked', () => {
    const keys = tenantKeys('acme', { hashTag: true });
    expect(keys.redis('a', 'b')).toBe('t:{acme}:a:b');
    expect(keys.cache('a')).toBe('tc:{acme}:a');
    expect(keys.storage('a')).toBe('tenants/acme/a');
    expect(parseTenantKey('redis', 't:{acme}:a:b', { hashTag: true })).toEqual({ tenantId: 'acme', parts: ['a', 'b'] });
    expect(parseTenantKey('redis', 't:acme:a:b', { hashTag: true })).toBeUndefined();
  });

  it('refuses malformed tenant ids with TENANT_INVALID, whatever the pattern allows', () => {
    for (const id of ['', '-x', 'a:b', 'a/b', '..', 'a b', 'a{b}', 'x'.repeat(64), 'a\nb']) {
      expect(() => tenantKeys(id), id).toThrow(expect.objectContaining({ code: 'TENANT_INVALID' }));
    }
    // A permissive custom pattern still cannot let delimiters in.
    expect(() => tenantKeys('a:b', { idPattern: /.*/ })).toThrow(expect.objectContaining({ code: 'TENANT_INVALID' }));
    expect(tenantKeys('acme_1').tenantId).toBe('acme_1');
    // One id shape everywhere: what the resolver refuses, keys refuse too.
    expect(() => tenantKeys('Acme')).toThrow(expect.objectContaining({ code: 'TENANT_INVALID' }));
  });

  it('refuses parts that could leave the scope', () => {
    const keys = tenantKeys('acme');
    const bad: Array<[() => string, string]> = [
      [() => keys.storage('..', 'globex', 'secret.pdf'), '..'],
      [() => keys.storage('a/../../globex'), 'slash'],
      [() => keys.storage('a\\b'), 'backslash'],
      [() => keys.storage('.'), 'dot'],
      [() => keys.storage(''), 'empty'],
      [() => keys.storage(), 'no parts'],
      [() => keys.redis('a:b'), 'separator'],
      [() => keys.room('x', ''), 'empty room part'],
      [() => keys.cache('a\u0000b'), 'NUL'],
      [() => keys.redis('x'.repeat(513)), 'too long'],
      [() => keys.redis(42 as unknown as string), 'not a string'],
    ];
    for (const [fn, why] of bad) {
      expect(fn, why).toThrow(expect.objectContaining({ code: 'TENANT_KEY_INVALID', status: 400 }));
    }
    // `/` is only special in storage paths.
    expect(keys.redis('https', '//example.com/x')).toBe('t:acme:https://example.com/x');
  });

  it('says which tenant owns a key: another tenant’s file is not ours', () => {
    const acme = tenantKeys('acme');
    const file = tenantKeys('globex').storage('invoices', '1.pdf');
    expect(acme.owns('storage', file)).toBe(false);
    expect(acme.owns('storage', acme.storage('invoices', '1.pdf'))).toBe(true);
    expect(acme.owns('storage', 'tenants/acme/../globex/1.pdf')).toBe(false);
    expect(acme.owns('storage', 'tenants/acme/')).toBe(false);
    expect(acme.owns('storage', 'tenants/acme')).toBe(false);
    expect(acme.owns('storage', 'tenants/acme//x')).toBe(false);
    expect(acme.owns('storage', 'tenants/acmeco/x')).toBe(false);
    expect(acme.owns('redis', acme.cache('x'))).toBe(false);
    expect(acme.owns('room', acme.room('lobby'))).toBe(true);
    expect(inTenant('globex', () => ownsKey('storage', file))).toBe(true);
    expect(inTenant('acme', () => ownsKey('storage', file))).toBe(false);
    expect(ownsKey('storage', file, 'globex')).toBe(true);
  });

  it('parses keys back, refusing anything malformed', () => {
    expect(parseTenantKey('storage', 'tenants/acme/a/b.png')).toEqual({ tenantId: 'acme', parts: ['a', 'b.png'] });
    expect(parseTenantKey('cache', 'tc:acme:x')).toEqual({ tenantId: 'acme', parts: ['x'] });
    expect(parseTenantKey('storage', 'other/acme/a')).toBeUndefined();
    expect(parseTenantKey('storage', 'tenants/-bad/a')).toBeUndefined();
    expect(parseTenantKey('storage', 'tenants/acme/a/./b')).toBeUndefined();
    expect(parseTenantKey('storage', 'tenants/acme')).toBeUndefined();
    expect(parseTenantKey('storage', 'files/acme/a', { storageRoot: 'files' })?.tenantId).toBe('acme');
  });

  it('keeps the catalogue entry for bad parts', () => {
    expect(TenantErrors.TENANT_KEY_INVALID.status).toBe(400);
  });
});
