import { type RedisClient, withScripts } from '@koaforge/core';

/**
 * Put (or remove) a tenant and its domain index in one step, so two instances never see a record
 * without its domains or a domain pointing at a removed tenant. Both keys share the `{tenants}`
 * hash tag (one Cluster slot).
 *
 * KEYS[1] records hash (id → JSON), KEYS[2] domains hash (host → id).
 * ARGV[1] id, ARGV[2] record JSON ('' to remove), ARGV[3] the JSON the caller read ('' for no
 * condition): when given and the stored record is no longer it, nothing is written and -1 is
 * returned (compare-and-set, so a read-modify-write never loses another instance's change).
 * ARGV[4..] the record's domains.
 * Returns 1 when something changed, 0 for removing an unknown id, -1 for a failed condition, or an
 * error `DOMAIN_TAKEN <host>` when a domain belongs to another tenant.
 */
export const PUT_TENANT_LUA = `
local id = ARGV[1]
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], id) ~= ARGV[3] then return -1 end
for i = 4, #ARGV do
  local owner = redis.call('HGET', KEYS[2], ARGV[i])
  if owner and owner ~= id then return redis.error_reply('DOMAIN_TAKEN ' .. ARGV[i]) end
end
local old = redis.call('HGET', KEYS[1], id)
if old then
  local ok, rec = pcall(cjson.decode, old)
  if ok and type(rec) == 'table' and type(rec.domains) == 'table' then
    for _, d in ipairs(rec.domains) do
      if redis.call('HGET', KEYS[2], d) == id then redis.call('HDEL', KEYS[2], d) end
    end
  end
end
if ARGV[2] == '' then
  if not old then return 0 end
  redis.call('HDEL', KEYS[1], id)
  return 1
end
redis.call('HSET', KEYS[1], id, ARGV[2])
for i = 4, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], id) end
return 1`;

/** The put script as a command on the client (see core's `withScripts`). */
export interface TenantScripts {
  kfTenantPut(records: string, domains: string, ...args: string[]): Promise<number>;
}

/** The client with the put script defined. */
export function tenantScripts(client: RedisClient): RedisClient & TenantScripts {
  return withScripts<TenantScripts>(client, { kfTenantPut: { keys: 2, lua: PUT_TENANT_LUA } });
}
