import {
  AuthenticatorToken,
  definePlugin,
  EventBusToken,
  httpConfigSchema,
  RateLimitStoreToken,
  RedisConnectionToken,
} from '@koaforge/core';
import { authenticate } from './authenticate/authenticate.js';
import { authConfigSchema } from './config.js';
import type { Mailer } from './mailer/mailer.js';
import type { RoleStore } from './rbac/role-store.js';
import { mountDevMailbox } from './routes/dev-mailbox.js';
import { mountAuthRoutes } from './routes/index.js';
import { mountOAuthSignIn } from './routes/oauth.js';
import { MemoryUserStore } from './users/memory-user-store.js';
import type { UserStore } from './users/user-store.js';
import { registerAuthServices } from './wiring/register.js';
import { buildAuthServices } from './wiring/services.js';
import { buildStores } from './wiring/stores.js';

/** Code-side options of {@link authPlugin}: what config cannot say. */
export interface AuthPluginOptions {
  /** The app's users. Default: an empty `MemoryUserStore` (development). */
  users?: UserStore;
  /** A mailer of your own; default from `auth.mailer` (SMTP when `smtpUrl` is set, else a memory outbox). */
  mailer?: Mailer;
  /** Per-tenant roles on top of `auth.roles`. */
  roleStore?: RoleStore;
  /** Refuse development fallbacks (random keys) and hide `/dev/mailbox`. Default: `NODE_ENV === 'production'`. */
  production?: boolean;
  /**
   * Mount the HTTP endpoints (`/api/v1/auth/*`, `/api/v1/me`, `/api/v1/api-keys`, `/api/v1/users`,
   * and OAuth sign-in when `auth.oauth.providers` is set). Default true.
   */
  routes?: boolean;
  /** Prefix of those endpoints. Default `/api/v1`. */
  prefix?: string;
}

/**
 * Authentication and authorization on the kernel. Builds stores (memory, or Redis when the app has
 * a `RedisConnectionToken`), the auth services, registers them under typed tokens and as core's
 * `AuthenticatorToken`, authenticates every request (Bearer or `X-Api-Key`, optional: routes and
 * guards decide) in phase `authenticate`, and mounts the endpoints — OAuth/OIDC sign-in too when
 * `auth.oauth.providers` is configured (one-time code hand-off, `POST /api/v1/auth/oauth/exchange`).
 *
 * @example
 * app.register(redisPlugin);        // optional: share sessions, revocations and keys
 * app.register(rateLimitPlugin);    // optional: share brute-force counters
 * app.register(authPlugin, { users: myUserStore });
 */
export const authPlugin = definePlugin<AuthPluginOptions | undefined, typeof authConfigSchema>({
  name: 'auth',
  optionalDependsOn: ['redis', 'events', 'ratelimit'],
  configSchema: authConfigSchema,
  setup(ctx, options = {}) {
    const { container } = ctx;
    const production = options.production ?? process.env.NODE_ENV === 'production';
    const trustedProxyHops = ctx.appConfig.section('http', httpConfigSchema).trustProxyHops;
    const stores = buildStores(container.resolveOptional(RedisConnectionToken), ctx.log);
    const rateLimitStore = container.resolveOptional(RateLimitStoreToken);
    const bus = container.resolveOptional(EventBusToken);
    const services = buildAuthServices({
      config: ctx.config,
      stores,
      users: options.users ?? new MemoryUserStore(),
      production,
      trustedProxyHops,
      log: ctx.log,
      ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
      ...(options.roleStore === undefined ? {} : { roleStore: options.roleStore }),
      ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
      ...(bus === undefined ? {} : { bus }),
    });
    registerAuthServices(container, services);
    container.register(AuthenticatorToken, { useValue: services.authenticator });

    ctx.use(authenticate({ authenticator: services.authenticator, optional: true }), { phase: 'authenticate' });
    const oauth = ctx.config.oauth;
    if (options.routes !== false) {
      const prefix = options.prefix ?? '/api/v1';
      mountAuthRoutes(ctx.router, { services, trustedProxyHops, prefix });
      if (!production && services.outbox !== undefined) mountDevMailbox(ctx.router, services.outbox);
      if (oauth !== undefined && oauth.providers.length > 0) {
        const { flow } = mountOAuthSignIn(ctx.router, prefix, {
          services,
          trustedProxyHops,
          config: oauth,
          publicUrl: ctx.config.reset.origin,
          transactions: stores.oauthTransactions,
          handoffs: stores.oauthHandoffs,
        });
        ctx.log.info(
          { providers: flow.providerIds, callbacks: flow.providerIds.map((id) => flow.redirectUri(id)) },
          'auth: OAuth sign-in mounted',
        );
      }
    }

    // The dummy hash (equal timing for unknown e-mails) is started at boot on libuv's thread pool
    // but not awaited: an Argon2id hash takes ~40 ms, which would sit on the start-to-listening
    // path. A login arriving before it is ready waits for the same promise.
    ctx.onStart(async () => {
      services.hasher.init().catch((err: unknown) => ctx.log.error({ err }, 'auth: dummy password hash failed'));
      // Redis down at boot must not stop the app: verifications then ask Redis directly and the
      // store keeps trying to sync; readiness shows `degraded` meanwhile.
      await stores.start().catch((err: unknown) => ctx.log.warn({ err }, 'auth: deny-list not synced at start'));
    });
    ctx.addHealthCheck({
      name: 'auth-revocations',
      critical: false,
      check: () =>
        stores.revocationsSynced()
          ? { status: 'ok', details: { store: stores.kind } }
          : { status: 'degraded', details: { store: stores.kind } },
    });
    ctx.onStop(async () => {
      await services.passwordReset.settled();
      if ('close' in services.mailer && typeof services.mailer.close === 'function') services.mailer.close();
      services.authorizer.close();
      await stores.close();
    });
    ctx.log.debug({ stores: stores.kind, mfa: services.totp !== undefined }, 'auth ready');
  },
});
