import type { SessionRevoker } from '../../src/sessions/session-revoker.js';

/**
 * A fake `SessionRevoker`: the session service is another engineer's work, so these tests only
 * check that reset calls `revokeAllForUser` with the right user.
 */
export class FakeSessionRevoker implements SessionRevoker {
  readonly calls: Array<{ userId: string; reason: string }> = [];

  async revokeAllForUser(userId: string, reason: string): Promise<number> {
    this.calls.push({ userId, reason });
    return 2;
  }
}
