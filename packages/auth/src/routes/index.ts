import type Router from '@koa/router';
import { mountAccountRoutes } from './account.js';
import { mountApiKeyRoutes } from './api-keys.js';
import { mountLoginRoutes } from './login.js';
import { mountMfaRoutes } from './mfa.js';
import { mountPasswordRoutes } from './password.js';
import type { AuthRoutesOptions } from './support.js';
import { mountUserRoutes } from './users.js';

export interface MountAuthRoutesOptions extends AuthRoutesOptions {
  /** Default `/api/v1`. */
  prefix?: string;
}

/**
 * Every auth endpoint of the showcase contract on `router`. Bodies are checked with zod (422
 * `VALIDATION_FAILED` with `issues`). Expects `authenticate({ optional: true })` (or your own
 * middleware filling core's request context / `ctx.state.auth`) to run before the router, and a
 * JSON body parser.
 *
 * @example
 * const services = buildAuthServices({ config: authConfigSchema.parse({ secret }), stores: buildStores(undefined), users });
 * app.use(bodyParser());
 * app.use(authenticate({ authenticator: services.authenticator, optional: true }));
 * mountAuthRoutes(router, { services });
 */
export function mountAuthRoutes(router: Router, options: MountAuthRoutesOptions): void {
  const prefix = options.prefix ?? '/api/v1';
  mountLoginRoutes(router, prefix, options);
  mountAccountRoutes(router, prefix, options);
  mountPasswordRoutes(router, prefix, options);
  mountApiKeyRoutes(router, prefix, options);
  mountMfaRoutes(router, prefix, options);
  mountUserRoutes(router, prefix, options);
}

export { mountDevMailbox } from './dev-mailbox.js';
export type { AuthRoutesOptions, BodyIssue } from './support.js';
