import { Container, createToken, currentContext, RequestContext, runWithContext, type Token } from '@koaforge/core';
import { describe, expect, it, vi } from 'vitest';
import {
  type TenantRecord,
  TenantServices,
  tenantServicePromiseProvider,
  tenantServiceProvider,
} from '../../src/index.js';

class Pool {
  closed = false;
  constructor(readonly tenant: string) {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

const PoolToken = createToken<Pool>('Pool');
const ClientToken = createToken<{ tenant: string }>('Client');

function inTenant<T>(id: string, fn: () => T, root?: Container): T {
  const rc = new RequestContext({ requestId: 'r', container: root });
  rc.setTenant({ id, name: id.toUpperCase() });
  return runWithContext(rc, fn);
}

describe('TenantServices', () => {
  it('makes one instance per tenant, lazily, and the current tenant by default', async () => {
    const factory = vi.fn((t: { id: string }) => new Pool(t.id));
    const services = new TenantServices().define(PoolToken, { factory });
    expect(factory).not.toHaveBeenCalled();
    const a1 = await services.get(PoolToken, 'acme');
    const a2 = await inTenant('acme', () => services.get(PoolToken));
    const b = await services.get(PoolToken, 'globex');
    expect(a1).toBe(a2);
    expect(a1.tenant).toBe('acme');
    expect(b.tenant).toBe('globex');
    expect(factory).toHaveBeenCalledTimes(2);
    await expect(services.get(PoolToken)).rejects.toMatchObject({ code: 'TENANT_REQUIRED' });
  });

  it('hands factories the request tenant, or the record when a lookup is configured', async () => {
    const seen: unknown[] = [];
    const records = async (id: string): Promise<TenantRecord | undefined> =>
      id === 'acme' ? { id, name: 'Acme', meta: { dbUrl: 'postgres://acme' } } : undefined;
    const withRecords = new TenantServices({ records }).define(ClientToken, {
      factory: (t) => {
        seen.push(t);
        return { tenant: t.id };
      },
    });
    await withRecords.get(ClientToken, 'acme');
    expect(seen[0]).toMatchObject({ id: 'acme', meta: { dbUrl: 'postgres://acme' } });
    await expect(withRecords.get(ClientToken, 'nope')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });

    const plain = new TenantServices().define(ClientToken, {
      factory: (t) => {
        seen.push(t);
        return { tenant: t.id };
      },
    });
    await inTenant('acme', () => plain.get(ClientToken));
    expect(seen[1]).toMatchObject({ id: 'acme', name: 'ACME' });
  });

  it('creates once for concurrent first calls, and does not cache a failure', async () => {
    let calls = 0;
    let fail = true;
    const services = new TenantServices().define(PoolToken, {
      factory: async (t) => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        if (fail) throw new Error('db down');
        return new Pool(t.id);
      },
    });
    const failures = await Promise.allSettled([services.get(PoolToken, 'acme'), services.get(PoolToken, 'acme')]);
    expect(failures.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    fail = false;
    const [p1, p2, p3] = await Promise.all([1, 2, 3].map(() => services.get(PoolToken, 'acme')));
    expect(calls).toBe(2);
    expect(p1).toBe(p2);
    expect(p2).toBe(p3);
  });

  it('evicts one tenant: disposes its services in reverse creation order, collecting errors', async () => {
    const order: string[] = [];
    const A = createToken<string>('A');
    const B = createToken<string>('B');
    const C = createToken<string>('C');
    const services = new TenantServices()
      .define(A, { factory: () => 'a', dispose: () => void order.push('a') })
      .define(B, {
        factory: () => 'b',
        dispose: () => {
          order.push('b');
          throw new Error('b failed');
        },
      })
      .define(C, { factory: async () => 'c', dispose: async () => void order.push('c') });
    await services.get(A, 'acme');
    await services.get(B, 'acme');
    await services.get(C, 'acme');
    await services.get(A, 'globex');
    await expect(services.evict('acme')).rejects.toThrow('b failed');
    expect(order).toEqual(['c', 'b', 'a']);
    expect(services.has(A, 'acme')).toBe(false);
    expect(services.has(A, 'globex')).toBe(true);
    expect(services.tenantIds).toEqual(['globex']);
    // A new use makes a fresh instance.
    await services.get(A, 'acme');
    expect(services.has(A, 'acme')).toBe(true);
  });

  it('disposes everything on dispose() (default disposers), then refuses use', async () => {
    const services = new TenantServices().define(PoolToken, { factory: (t) => new Pool(t.id) });
    const pools = await Promise.all(['a', 'b', 'c'].map((id) => services.get(PoolToken, id)));
    await services.dispose();
    expect(pools.every((p) => p.closed)).toBe(true);
    await expect(services.get(PoolToken, 'a')).rejects.toMatchObject({ code: 'KERNEL_STATE' });
  });

  it('collects errors of several disposals into an AggregateError', async () => {
    const services = new TenantServices().define(PoolToken, {
      factory: (t) => new Pool(t.id),
      dispose: (p) => {
        throw new Error(`close ${p.tenant}`);
      },
    });
    await services.get(PoolToken, 'a');
    await services.get(PoolToken, 'b');
    const err = await services.dispose().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message).sort()).toEqual(['close a', 'close b']);
  });

  it('bounds live tenants: the least recently used one is disposed', async () => {
    const services = new TenantServices({ maxTenants: 2 }).define(PoolToken, { factory: (t) => new Pool(t.id) });
    const a = await services.get(PoolToken, 'a');
    const b = await services.get(PoolToken, 'b');
    await services.get(PoolToken, 'a'); // a is now the most recent
    await services.get(PoolToken, 'c'); // b goes
    await vi.waitFor(() => expect(b.closed).toBe(true));
    expect(a.closed).toBe(false);
    expect(services.tenantIds).toEqual(['a', 'c']);
  });

  it('waits for a creation in flight when evicting, and disposes what it made', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const services = new TenantServices().define(PoolToken, {
      factory: async (t) => {
        await gate;
        return new Pool(t.id);
      },
    });
    const pending = services.get(PoolToken, 'acme');
    const evicted = services.evict('acme');
    release();
    const pool = await pending;
    await evicted;
    expect(pool.closed).toBe(true);
  });

  it('exposes the current tenant’s instance through core’s DI', async () => {
    const root = Container.create();
    const AsyncPool = createToken<Promise<Pool>>('Pool (async)');
    const services = new TenantServices({ container: root })
      .define(PoolToken, { factory: (t) => new Pool(t.id) })
      .define(ClientToken, { factory: async (t, c) => ({ tenant: `${t.id}:${c === root}` }) });
    root.register(PoolToken, tenantServiceProvider(services, PoolToken));
    root.register(AsyncPool, tenantServicePromiseProvider(services, PoolToken));
    const AsyncClient = createToken<Promise<{ tenant: string }>>('Client (async)');
    root.register(AsyncClient, tenantServicePromiseProvider(services, ClientToken));

    const [acme, acmeAgain, globex] = [
      inTenant('acme', () => currentContainerResolve(PoolToken), root),
      inTenant('acme', () => currentContainerResolve(PoolToken), root),
      inTenant('globex', () => currentContainerResolve(PoolToken), root),
    ];
    expect(acme.tenant).toBe('acme');
    expect(acme).toBe(acmeAgain);
    expect(globex.tenant).toBe('globex');
    expect(await inTenant('acme', () => root.resolve(AsyncPool), root)).toBe(acme);
    expect(await inTenant('acme', () => root.resolve(AsyncClient), root)).toEqual({ tenant: 'acme:true' });

    // The request scope ending does not dispose the tenant's shared instance.
    const rc = new RequestContext({ requestId: 'r', container: root });
    rc.setTenant({ id: 'acme' });
    runWithContext(rc, () => rc.container.resolve(PoolToken));
    await rc.dispose();
    expect(acme.closed).toBe(false);

    // An async factory is not available synchronously.
    const syncClient = createToken<{ tenant: string }>('Client (sync)');
    root.register(syncClient, tenantServiceProvider(services, ClientToken));
    expect(() => inTenant('globex', () => root.resolve(syncClient), root)).toThrow(/async factory/);
    expect(() => tenantServiceProvider(services, createToken('undefined'))).toThrow(/not defined/);
  });
});

/** What a handler does: resolve from the request's container. */
function currentContainerResolve<T>(token: Token<T>): T {
  return currentContext()!.container.resolve(token);
}
