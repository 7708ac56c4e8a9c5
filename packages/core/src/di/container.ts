import 'reflect-metadata';
import {
  type DependencyContainer,
  instanceCachingFactory,
  instancePerContainerCachingFactory,
  container as rootTsyringe,
} from 'tsyringe';
import { CoreErrors } from '../errors.js';
import { disposerOf } from './disposer.js';
import type { Token } from './token.js';

/**
 * - `singleton`: one instance for the app, made on first resolve.
 * - `request`: one instance per request scope (the request's child container).
 * - `transient`: a new instance on every resolve.
 */
export type Scope = 'singleton' | 'request' | 'transient';

export type Provider<T> =
  | { useValue: T }
  | { useFactory: (container: Container) => T; scope?: Scope }
  | { useClass: new (container: Container) => T; scope?: Scope };

type Disposer = () => unknown;

/**
 * The kernel's DI container: tsyringe underneath, typed tokens and factories on top, scopes, test
 * overrides and disposal of what it made. Our own code never needs decorators.
 */
export class Container {
  readonly #inner: DependencyContainer;
  readonly #parent: Container | undefined;
  readonly #registered = new Map<symbol, { token: Token<unknown>; scope: Scope | 'value' }>();
  readonly #providers = new Map<symbol, Provider<unknown>>();
  readonly #disposers: Disposer[] = [];
  #disposed = false;

  private constructor(inner: DependencyContainer, parent?: Container) {
    this.#inner = inner;
    this.#parent = parent;
  }

  /** A fresh root container (isolated from tsyringe's global container). */
  static create(): Container {
    return new Container(rootTsyringe.createChildContainer());
  }

  /** Register a provider for a token. Re-registering replaces the previous provider. */
  register<T>(token: Token<T>, provider: Provider<T>): this {
    this.#assertLive();
    this.#providers.set(token.key, provider as Provider<unknown>);
    if ('useValue' in provider) {
      this.#inner.register(token.key, { useValue: provider.useValue });
      this.#registered.set(token.key, { token, scope: 'value' });
      return this;
    }
    const scope = provider.scope ?? 'singleton';
    const make =
      'useFactory' in provider
        ? provider.useFactory
        : (c: Container) => new (provider as { useClass: new (c: Container) => T }).useClass(c);
    // tsyringe hands factories the container that resolves; map it back to our wrapper so request
    // scoped factories see the request container.
    const factory = (inner: DependencyContainer): T => {
      // Singletons belong to the registering container (disposed at app stop); request-scoped
      // instances belong to the request container that made them (disposed when it ends).
      const owner = scope === 'request' ? (Container.#wrappers.get(inner) ?? this) : this;
      const value = make(owner);
      if (scope !== 'transient') {
        const d = disposerOf(value);
        if (d) owner.#disposers.push(d);
      }
      return value;
    };
    const useFactory =
      scope === 'singleton'
        ? instanceCachingFactory(factory)
        : scope === 'request'
          ? instancePerContainerCachingFactory(factory)
          : factory;
    this.#inner.register(token.key, { useFactory });
    this.#registered.set(token.key, { token, scope });
    return this;
  }

  /** Resolve a token; throws `DI_NOT_REGISTERED` naming the token when nothing provides it. */
  resolve<T>(token: Token<T>): T {
    this.#assertLive();
    if (!this.isRegistered(token)) {
      throw CoreErrors.DI_NOT_REGISTERED(`No provider is registered for ${String(token)}`);
    }
    const scope = this.#scopeOf(token.key);
    if (scope === 'request' && this.#parent === undefined) {
      throw CoreErrors.DI_SCOPE(
        `${String(token)} is request-scoped; resolve it from the request container (ctx.state.container or currentContext().container)`,
      );
    }
    return this.#inner.resolve<T>(token.key);
  }

  /** Resolve a token, or `undefined` when nothing provides it. */
  resolveOptional<T>(token: Token<T>): T | undefined {
    return this.isRegistered(token) ? this.resolve(token) : undefined;
  }

  isRegistered(token: Token<unknown>): boolean {
    return this.#registered.has(token.key) || (this.#parent?.isRegistered(token) ?? false);
  }

  /**
   * Replace a token's provider for a test; returns a function that restores the previous one.
   * @example
   * const restore = app.container.override(MailerToken, { useValue: fakeMailer });
   */
  override<T>(token: Token<T>, provider: Provider<T>): () => void {
    const prior = this.#providers.get(token.key);
    this.register(token, provider);
    return () => {
      if (prior) {
        this.register(token, prior as Provider<T>);
      } else {
        // tsyringe cannot unregister a token; forgetting it here makes it unresolvable again.
        this.#providers.delete(token.key);
        this.#registered.delete(token.key);
      }
    };
  }

  /** A child container for one request: request-scoped tokens get one instance per child. */
  createRequestScope(): Container {
    this.#assertLive();
    const inner = this.#inner.createChildContainer();
    const child = new Container(inner, this);
    Container.#wrappers.set(inner, child);
    return child;
  }

  /** Dispose what this container made (in reverse order of creation), then refuse further use. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const errors: unknown[] = [];
    for (const d of this.#disposers.reverse()) {
      try {
        await d();
      } catch (err) {
        errors.push(err);
      }
    }
    this.#disposers.length = 0;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'Several disposals failed');
  }

  #scopeOf(key: symbol): Scope | 'value' | undefined {
    const own = this.#registered.get(key);
    if (own !== undefined) return own.scope;
    return this.#parent === undefined ? undefined : this.#parent.#scopeOf(key);
  }

  #assertLive(): void {
    if (this.#disposed) throw CoreErrors.KERNEL_STATE('The container has been disposed');
  }

  static readonly #wrappers = new WeakMap<DependencyContainer, Container>();
}
