import * as z from 'zod';

/**
 * One sign-in attempt between `/start` and `/callback`. Kept on the server, keyed by a hash of
 * the random id in the browser's cookie, so a callback is accepted once, by the browser that
 * started it, within the TTL.
 */
export interface OAuthTransaction {
  readonly provider: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Already validated against the return-to policy. */
  readonly returnTo: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** The tenant named at `/start` (a lookup scope for the account, like `tenant` at password login). */
  readonly tenantId?: string;
  /** PKCE S256 challenge of the client app's own verifier, asked back when the app redeems its code. */
  readonly clientChallenge?: string;
}

/** Parses what a store read back (a Redis value may be old, foreign or corrupt). */
export const oauthTransactionSchema = z.object({
  provider: z.string().min(1).max(64),
  state: z.string().min(1).max(512),
  nonce: z.string().min(1).max(512),
  codeVerifier: z.string().min(43).max(128),
  returnTo: z.string().min(1).max(2048),
  createdAt: z.number().int().nonnegative(),
  tenantId: z.string().min(1).max(128).optional(),
  clientChallenge: z.string().length(43).optional(),
});

/**
 * Where transactions wait for their callback. `consume` must be atomic (read and delete in one
 * step): two callbacks racing with the same cookie must not both get the transaction.
 */
export interface OAuthTransactionStore {
  /** Keep `tx` under `key` for `ttlMs`. Keys are hex SHA-256 digests. */
  save(key: string, tx: OAuthTransaction, ttlMs: number): Promise<void>;
  /** Return and delete the transaction, or undefined when missing, expired or already used. */
  consume(key: string): Promise<OAuthTransaction | undefined>;
}

/** Decode a stored JSON value; anything unexpected counts as "no transaction". */
export function decodeTransaction(raw: string | null | undefined): OAuthTransaction | undefined {
  if (raw === null || raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = oauthTransactionSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
