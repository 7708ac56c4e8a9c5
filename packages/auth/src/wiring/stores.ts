import type { Logger, RedisConnection } from '@koaforge/core';
import type { ApiKeyStore } from '../apikeys/api-key-store.js';
import { MemoryApiKeyStore } from '../apikeys/memory-store.js';
import { RedisApiKeyStore } from '../apikeys/redis-store.js';
import { MemoryMfaStore } from '../mfa/memory-mfa-store.js';
import type { MfaStore } from '../mfa/mfa-store.js';
import { RedisMfaStore } from '../mfa/redis-mfa-store.js';
import type { OAuthHandoffStore } from '../oauth/handoff.js';
import { MemoryOAuthHandoffStore, MemoryOAuthTransactionStore } from '../oauth/stores/memory.js';
import { RedisOAuthHandoffStore, RedisOAuthTransactionStore } from '../oauth/stores/redis.js';
import type { OAuthTransactionStore } from '../oauth/transaction.js';
import { MemoryResetTokenStore } from '../reset/memory-reset-token-store.js';
import { RedisResetTokenStore } from '../reset/redis-reset-token-store.js';
import type { ResetTokenStore } from '../reset/reset-token-store.js';
import { MemoryRefreshTokenStore } from '../sessions/memory-refresh-token-store.js';
import { MemoryRevocationStore } from '../sessions/memory-revocation-store.js';
import { MemorySessionStore } from '../sessions/memory-session-store.js';
import { RedisRefreshTokenStore } from '../sessions/redis-refresh-token-store.js';
import { RedisRevocationStore } from '../sessions/redis-revocation-store.js';
import { RedisSessionStore } from '../sessions/redis-session-store.js';
import type { RefreshTokenStore } from '../sessions/refresh-token-store.js';
import type { RevocationStore } from '../sessions/revocation-store.js';
import type { SessionStore } from '../sessions/session-store.js';

/** Every store auth keeps state in, all memory or all Redis. */
export interface AuthStores {
  readonly kind: 'memory' | 'redis';
  readonly sessions: SessionStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly revocations: RevocationStore;
  readonly apiKeys: ApiKeyStore;
  readonly mfa: MfaStore;
  readonly resetTokens: ResetTokenStore;
  readonly oauthTransactions: OAuthTransactionStore;
  readonly oauthHandoffs: OAuthHandoffStore;
  /** Loads the deny-list and subscribes to revocations (Redis); call before serving. */
  start(): Promise<void>;
  /** Whether revocations are answered from an up-to-date local copy (always, in memory). */
  revocationsSynced(): boolean;
  close(): Promise<void>;
}

/** Memory stores (one process), or Redis stores on the app's shared connection (many processes). */
export function buildStores(connection: RedisConnection | undefined, log?: Logger): AuthStores {
  if (connection === undefined) {
    const sessions = new MemorySessionStore();
    const refreshTokens = new MemoryRefreshTokenStore();
    const revocations = new MemoryRevocationStore();
    return {
      kind: 'memory',
      sessions,
      refreshTokens,
      revocations,
      apiKeys: new MemoryApiKeyStore(),
      mfa: new MemoryMfaStore(),
      resetTokens: new MemoryResetTokenStore(),
      oauthTransactions: new MemoryOAuthTransactionStore(),
      oauthHandoffs: new MemoryOAuthHandoffStore(),
      start: async () => undefined,
      revocationsSynced: () => true,
      close: async () => {
        await Promise.all([sessions.close(), refreshTokens.close(), revocations.close()]);
      },
    };
  }
  const sessions = new RedisSessionStore({ connection });
  const refreshTokens = new RedisRefreshTokenStore({ connection });
  const revocations = new RedisRevocationStore({ connection, ...(log === undefined ? {} : { logger: log }) });
  return {
    kind: 'redis',
    sessions,
    refreshTokens,
    revocations,
    apiKeys: new RedisApiKeyStore({ connection }),
    mfa: new RedisMfaStore({ connection }),
    resetTokens: new RedisResetTokenStore({ connection }),
    oauthTransactions: new RedisOAuthTransactionStore({ connection }),
    oauthHandoffs: new RedisOAuthHandoffStore({ connection }),
    start: () => revocations.start(),
    revocationsSynced: () => revocations.synced,
    // The connection itself belongs to core's redis plugin, which closes it after us.
    close: async () => {
      await Promise.all([sessions.close(), refreshTokens.close(), revocations.close()]);
    },
  };
}
