import { RedisScript } from './redis-script.js';

/**
 * Consume a refresh token: the compare-and-set that lets exactly one of many concurrent refreshes
 * win. One key, so it runs on Redis Cluster too.
 * KEYS[1] token hash; ARGV[1] rotatedAt (ms), ARGV[2] replacedBy.
 * Returns 1 rotated, 2 already rotated, 0 missing.
 */
export const ROTATE_REFRESH_TOKEN = new RedisScript(
  'rotateRefreshToken',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'rotatedAt') == 1 then return 2 end
redis.call('HSET', KEYS[1], 'rotatedAt', ARGV[1], 'replacedBy', ARGV[2])
return 1`,
);

/**
 * Create a session and index it under its user; both keys share the user's hash slot.
 * KEYS[1] session hash, KEYS[2] user's session-id set; ARGV[1] session id, ARGV[2] expiresAt (ms),
 * ARGV[3] time to live (ms), ARGV[4..] field/value pairs. The index lives as long as its longest
 * session (PTTL rather than PEXPIRETIME, which needs Redis 7).
 */
export const CREATE_SESSION = new RedisScript(
  'createSession',
  `redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1`,
);

/**
 * Record activity on a live session; never touches a revoked one (so a late refresh cannot undo a
 * revocation). KEYS[1] session hash; ARGV field/value pairs. Returns 1 touched, 0 unknown/revoked.
 */
export const TOUCH_SESSION = new RedisScript(
  'touchSession',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`,
);

/**
 * Revoke a session once. KEYS[1] session hash, KEYS[2] user's session-id set; ARGV[1] session id,
 * ARGV[2] revokedAt, ARGV[3] reason. Returns the record's fields when this call revoked it, else an
 * empty array.
 */
export const REVOKE_SESSION = new RedisScript(
  'revokeSession',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return {} end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[2], 'revokedReason', ARGV[3])
redis.call('SREM', KEYS[2], ARGV[1])
return redis.call('HGETALL', KEYS[1])`,
);
