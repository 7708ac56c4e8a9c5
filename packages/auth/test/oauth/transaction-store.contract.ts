import { describe, expect, it } from 'vitest';
import type { OAuthTransaction, OAuthTransactionStore } from '../../src/oauth/transaction.js';

export function transaction(overrides: Partial<OAuthTransaction> = {}): OAuthTransaction {
  return {
    provider: 'github',
    state: 'a'.repeat(64),
    nonce: 'nonce-value',
    codeVerifier: 'v'.repeat(43),
    returnTo: '/home',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

let counter = 0;
function key(): string {
  counter += 1;
  return counter.toString(16).padStart(64, '0');
}

/** The behaviour every OAuthTransactionStore must have. `sleep` lets TTL cases wait for real expiry. */
export function transactionStoreContract(
  name: string,
  make: () => OAuthTransactionStore,
  sleep: (ms: number) => Promise<void>,
): void {
  describe(`${name}: OAuthTransactionStore contract`, () => {
    it('gives back what was saved, once', async () => {
      const store = make();
      const k = key();
      const tx = transaction({ returnTo: 'https://app.example.test/x?y=1' });
      await store.save(k, tx, 10_000);
      expect(await store.consume(k)).toEqual(tx);
      expect(await store.consume(k)).toBeUndefined();
    });

    it('answers undefined for an unknown key', async () => {
      expect(await make().consume(key())).toBeUndefined();
    });

    it('keeps transactions apart', async () => {
      const store = make();
      const [a, b] = [key(), key()];
      await store.save(a, transaction({ provider: 'a' }), 10_000);
      await store.save(b, transaction({ provider: 'b' }), 10_000);
      expect((await store.consume(b))?.provider).toBe('b');
      expect((await store.consume(a))?.provider).toBe('a');
    });

    it('hands a transaction to only one of two racing consumers', async () => {
      const store = make();
      const k = key();
      await store.save(k, transaction(), 10_000);
      const results = await Promise.all([store.consume(k), store.consume(k), store.consume(k)]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('forgets a transaction after its TTL', async () => {
      const store = make();
      const k = key();
      await store.save(k, transaction(), 50);
      await sleep(120);
      expect(await store.consume(k)).toBeUndefined();
    });
  });
}
