-- Claim a webhook event for one handler run, unless it is claimed or processed.
-- KEYS[1]: the event's key. ARGV: the claim's token, the lease in ms.
-- Returns 1: claimed (the key now holds the token for the lease); 2: processed;
-- 3: claimed by another delivery that has not finished.
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == 'processed' then
  return 2
end
return 3
