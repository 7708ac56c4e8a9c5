import { CoreErrors } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import { TenantErrors } from '../../src/errors.js';
import { registryUnavailable } from '../../src/registry/unavailable.js';

describe('registryUnavailable', () => {
  it("maps core's REDIS_UNAVAILABLE (a link lost between the check and the command) to the tenant 503", () => {
    // The race the Redis outage test can hit: the client still looked connected, then core's
    // connection failed the command fast with its own code.
    const cause = CoreErrors.REDIS_UNAVAILABLE('Redis at 127.0.0.1:1 is not connected');
    const mapped = registryUnavailable(cause);
    expect(mapped).toMatchObject({ code: 'TENANT_REGISTRY_UNAVAILABLE', status: 503 });
    expect((mapped as Error).cause).toBe(cause);
  });

  it('maps plain failures and keeps the cause', () => {
    const cause = new Error('ECONNRESET');
    expect(registryUnavailable(cause)).toMatchObject({ code: 'TENANT_REGISTRY_UNAVAILABLE', cause });
  });

  it("passes a registry's own 4xx answers and an already-mapped 503 through unchanged", () => {
    const taken = TenantErrors.TENANT_DOMAIN_TAKEN('acme.test belongs to another tenant');
    expect(registryUnavailable(taken)).toBe(taken);
    const busy = TenantErrors.TENANT_REGISTRY_UNAVAILABLE('The tenant kept changing; try again');
    expect(registryUnavailable(busy)).toBe(busy);
  });
});
