/**
 * Lua scripts of the Redis quota store. Each touches one key, so they run on Redis Cluster too;
 * Redis runs a script atomically, which is what keeps racing reservations from over-admitting.
 */

/**
 * KEYS[1] counter; ARGV[1] amount; ARGV[2] limit (< 0: none); ARGV[3] expire-at epoch ms (0: none).
 * Returns { admitted (1|0), used }.
 */
export const RESERVE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if limit >= 0 and used + amount > limit then
  return {0, used}
end
used = redis.call('INCRBY', KEYS[1], amount)
local expireAt = tonumber(ARGV[3])
if expireAt > 0 then
  redis.call('PEXPIREAT', KEYS[1], expireAt)
end
return {1, used}
`;

/** KEYS[1] counter; ARGV[1] amount. Never below 0 (the key goes away at 0). Returns the count after. */
export const RELEASE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local left = used - tonumber(ARGV[1])
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], left, 'KEEPTTL')
return left
`;

/** Names under which the scripts are defined on the shared client (`defineCommand`, run by EVALSHA). */
export const RESERVE_COMMAND = 'koaforgeTenantQuotaReserve';
export const RELEASE_COMMAND = 'koaforgeTenantQuotaRelease';
