import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { StaticTenantRegistry } from '../../src/registry/static.js';
import { customTenantResolver } from '../../src/resolve/custom.js';
import { tenantFromHeader } from '../../src/resolve/header.js';
import { tenantFromPrincipal } from '../../src/resolve/principal.js';
import { TenantDecider } from '../../src/resolve/tenant-decider.js';
import { TenantRequest } from '../../src/resolve/tenant-request.js';
import type { TenantRecord, TenantRegistry } from '../../src/types.js';

const fakeCtx = (headers: Record<string, string>, principal?: { id: string; type: string; tenantId?: string }) =>
  ({
    req: { headers },
    path: '/',
    state: { requestContext: { principal } },
  }) as unknown as Context;

const registry = new StaticTenantRegistry([{ id: 'acme', name: 'Acme' }, { id: 'globex' }]);

describe('TenantDecider', () => {
  it('decides without a promise when resolvers are synchronous and the registry can peek', () => {
    const decider = new TenantDecider({ registry, resolvers: [tenantFromPrincipal(), tenantFromHeader()] });
    const decided = decider.decide(new TenantRequest(fakeCtx({ 'x-tenant-id': 'acme' }), 0));
    expect(decided).not.toBeInstanceOf(Promise);
    expect(decided).toEqual({ id: 'acme', name: 'Acme', source: 'header', verified: false });
    expect(Object.isFrozen(decided)).toBe(true);
    expect(decider.decide(new TenantRequest(fakeCtx({}), 0))).toBeUndefined();
    expect(() => decider.decide(new TenantRequest(fakeCtx({ 'x-tenant-id': 'nobody' }), 0))).toThrow(
      expect.objectContaining({ code: 'TENANT_NOT_FOUND' }),
    );
  });

  it('goes async only for a resolver or registry that needs it', async () => {
    const lazy: TenantRegistry = { get: async (id): Promise<TenantRecord | undefined> => ({ id }) };
    const cookie = customTenantResolver(async () => 'globex', { name: 'cookie' });
    const decider = new TenantDecider({ registry: lazy, resolvers: [cookie, tenantFromHeader()] });
    const decided = decider.decide(new TenantRequest(fakeCtx({ 'x-tenant-id': 'globex' }), 0));
    expect(decided).toBeInstanceOf(Promise);
    expect(await decided).toEqual({ id: 'globex', source: 'cookie', verified: false });
    await expect(
      decider.decide(new TenantRequest(fakeCtx({ 'x-tenant-id': 'acme' }), 0)) as Promise<unknown>,
    ).rejects.toMatchObject({ code: 'TENANT_MISMATCH' });
  });

  it('two trusted sources that disagree: TENANT_MISMATCH; a trusted custom resolver decides like the principal', () => {
    const mtls = customTenantResolver(() => 'globex', { trusted: true, name: 'mtls' });
    const both = new TenantDecider({ registry, resolvers: [tenantFromPrincipal(), mtls] });
    const ctx = fakeCtx({}, { id: 'u', type: 'user', tenantId: 'acme' });
    expect(() => both.decide(new TenantRequest(ctx, 0))).toThrow(expect.objectContaining({ code: 'TENANT_MISMATCH' }));
    const alone = new TenantDecider({ registry, resolvers: [mtls, tenantFromHeader()], anonymous: 'ignore' });
    expect(alone.decide(new TenantRequest(fakeCtx({}), 0))).toMatchObject({ id: 'globex', verified: true });
  });

  it('keeps a global id pattern stateless', () => {
    const decider = new TenantDecider({ registry, resolvers: [tenantFromHeader()], idPattern: /^[a-z]+$/g });
    for (let i = 0; i < 3; i++) {
      expect(decider.decide(new TenantRequest(fakeCtx({ 'x-tenant-id': 'acme' }), 0))).toMatchObject({ id: 'acme' });
    }
  });
});
