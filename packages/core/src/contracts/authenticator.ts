import { createToken } from '../di/token.js';
import type { Principal } from './principal.js';

/**
 * What an authenticator is given: enough of a request to decide who made it, without Koa, so the
 * same contract serves HTTP, WebSocket upgrades and SSE.
 */
export interface AuthenticationInput {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** A bearer token found outside the headers (e.g. `?token=` on a WebSocket upgrade). */
  readonly token?: string;
  readonly ip?: string;
}

/**
 * Registered by an auth package under `AuthenticatorToken`; resolved by realtime, tenant and others.
 * Returns `undefined` when the input carries no credential, throws a catalogue error (401) when it
 * carries a bad one.
 */
export interface Authenticator {
  authenticate(input: AuthenticationInput): Promise<Principal | undefined>;
}

/** Global so that two installed copies of core agree on it. */
export const AuthenticatorToken = createToken<Authenticator>('Authenticator', { global: true });
