import { describe, expect, it } from 'vitest';
import { Container, CoreErrors, createToken, currentContext } from '../../src/index.js';
import { listen, testApp } from '../helpers.js';

interface Clock {
  now(): number;
}

describe('Container', () => {
  it('resolves typed values, factories and classes without decorator metadata', () => {
    const c = Container.create();
    const Name = createToken<string>('Name');
    const Greeting = createToken<string>('Greeting');
    class Greeter {
      readonly text: string;
      constructor(container: Container) {
        this.text = `${container.resolve(Greeting)}!`;
      }
    }
    const GreeterToken = createToken<Greeter>('Greeter');
    c.register(Name, { useValue: 'ada' });
    c.register(Greeting, { useFactory: (ct) => `hello ${ct.resolve(Name)}` });
    c.register(GreeterToken, { useClass: Greeter });
    expect(c.resolve(GreeterToken).text).toBe('hello ada!');
  });

  it('singleton: one instance; transient: a new one each time (counted)', () => {
    const c = Container.create();
    let made = 0;
    const S = createToken<{ n: number }>('S');
    const T = createToken<{ n: number }>('T');
    c.register(S, { useFactory: () => ({ n: ++made }) });
    c.register(T, { useFactory: () => ({ n: ++made }), scope: 'transient' });
    expect(c.resolve(S)).toBe(c.resolve(S));
    expect(c.resolve(T)).not.toBe(c.resolve(T));
    expect(made).toBe(3);
  });

  it('request scope: one instance per request scope, refused at the root, disposed with the scope', async () => {
    const c = Container.create();
    const disposed: number[] = [];
    let made = 0;
    const R = createToken<{ n: number; dispose(): void }>('R');
    c.register(R, {
      scope: 'request',
      useFactory: () => {
        const n = ++made;
        return { n, dispose: () => disposed.push(n) };
      },
    });
    expect(() => c.resolve(R)).toThrowError(/request-scoped/);
    const a = c.createRequestScope();
    const b = c.createRequestScope();
    expect(a.resolve(R)).toBe(a.resolve(R));
    expect(a.resolve(R).n).not.toBe(b.resolve(R).n);
    await a.dispose();
    expect(disposed).toEqual([1]);
    await b.dispose();
    expect(disposed).toEqual([1, 2]);
  });

  it('a singleton first resolved inside a request scope is not disposed with the request', async () => {
    const c = Container.create();
    const disposed: string[] = [];
    const S = createToken<{ close(): void }>('S');
    c.register(S, { useFactory: () => ({ close: () => disposed.push('singleton') }) });
    const scope = c.createRequestScope();
    const viaScope = scope.resolve(S);
    await scope.dispose();
    expect(disposed).toEqual([]);
    expect(c.resolve(S)).toBe(viaScope);
    await c.dispose();
    expect(disposed).toEqual(['singleton']);
  });

  it('disposes what it made in reverse order, with close/dispose/Symbol.asyncDispose, and reports failures', async () => {
    const c = Container.create();
    const order: string[] = [];
    const A = createToken<object>('A');
    const B = createToken<object>('B');
    const Bad = createToken<object>('Bad');
    c.register(A, { useFactory: () => ({ close: async () => order.push('A') }) });
    c.register(B, {
      useFactory: () => ({
        [Symbol.asyncDispose ?? Symbol.for('x')]: async () => order.push('B'),
        dispose: () => order.push('B'),
      }),
    });
    c.register(Bad, {
      useFactory: () => ({
        dispose: () => {
          throw new Error('boom');
        },
      }),
    });
    c.resolve(A);
    c.resolve(B);
    c.resolve(Bad);
    await expect(c.dispose()).rejects.toThrow('boom');
    expect(order).toEqual(['B', 'A']);
    expect(() => c.resolve(A)).toThrowError(/disposed/);
  });

  it('values given with useValue are not disposed by the container (the caller owns them)', async () => {
    const c = Container.create();
    let closed = false;
    const V = createToken<{ close(): void }>('V');
    c.register(V, {
      useValue: {
        close: () => {
          closed = true;
        },
      },
    });
    c.resolve(V);
    await c.dispose();
    expect(closed).toBe(false);
  });

  it('unknown tokens fail with DI_NOT_REGISTERED naming the token; resolveOptional gives undefined', () => {
    const c = Container.create();
    const Missing = createToken<Clock>('Clock');
    expect(() => c.resolve(Missing)).toThrowError('No provider is registered for Token(Clock)');
    try {
      c.resolve(Missing);
    } catch (err) {
      expect(CoreErrors.DI_NOT_REGISTERED.is(err)).toBe(true);
    }
    expect(c.resolveOptional(Missing)).toBeUndefined();
  });

  it('override replaces a provider for a test and restores it', () => {
    const c = Container.create();
    const ClockToken = createToken<Clock>('Clock');
    c.register(ClockToken, { useValue: { now: () => 1 } });
    const restore = c.override(ClockToken, { useValue: { now: () => 42 } });
    expect(c.resolve(ClockToken).now()).toBe(42);
    restore();
    expect(c.resolve(ClockToken).now()).toBe(1);
    const Fresh = createToken<Clock>('Fresh');
    const restoreFresh = c.override(Fresh, { useValue: { now: () => 7 } });
    expect(c.resolve(Fresh).now()).toBe(7);
    restoreFresh();
    expect(c.isRegistered(Fresh)).toBe(false);
  });

  it('global tokens are shared across copies; plain tokens with the same name are distinct', () => {
    expect(createToken('Same', { global: true }).key).toBe(createToken('Same', { global: true }).key);
    expect(createToken('Same').key).not.toBe(createToken('Same').key);
  });

  it('the kernel creates a request scope lazily per request and disposes it after the response', async () => {
    const { app } = testApp();
    const disposed: number[] = [];
    let made = 0;
    const PerRequest = createToken<{ n: number; dispose(): void }>('PerRequest');
    app.container.register(PerRequest, {
      scope: 'request',
      useFactory: () => {
        const n = ++made;
        return { n, dispose: () => disposed.push(n) };
      },
    });
    app.router.get('/n', (ctx) => {
      const rc = currentContext();
      if (!rc) throw new Error('no context');
      const a = rc.container.resolve(PerRequest);
      ctx.body = { same: a === rc.container.resolve(PerRequest), n: a.n };
    });
    app.router.get('/none', (ctx) => {
      ctx.body = { made };
    });
    const base = await listen(app);
    expect(await (await fetch(`${base}/n`)).json()).toEqual({ same: true, n: 1 });
    expect(await (await fetch(`${base}/n`)).json()).toEqual({ same: true, n: 2 });
    expect(await (await fetch(`${base}/none`)).json()).toEqual({ made: 2 });
    await new Promise((r) => setTimeout(r, 10));
    expect(disposed).toEqual([1, 2]);
    await app.stop();
  });
});
