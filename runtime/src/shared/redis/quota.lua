-- Add `n` to a window's counter only if the result stays at or below `cap`.
-- KEYS[1]: the window's counter. ARGV: n, cap, ttl_ms.
-- Returns {1, used} when added, {0, used} when refused.
local n = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + n > cap then
  return {0, used}
end
used = redis.call('INCRBY', KEYS[1], n)
if used == n then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, used}
