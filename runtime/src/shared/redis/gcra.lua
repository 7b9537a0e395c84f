-- Reserve `cost` cells in every lane at the earliest common slot, if it is at most
-- `max_wait` away. The same math as runtime/src/limit/gcra.rs, in microseconds (exact
-- in a Lua double), on Redis's clock so every replica shares one.
-- KEYS: lane keys. ARGV: cost, max_wait_us, then interval_us and burst per lane.
-- Returns {1, wait_us} when reserved, {0, wait_us} when refused (nothing changed).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local tats = {}
local at = now
for i = 1, #KEYS do
  local interval = tonumber(ARGV[1 + 2 * i])
  local burst = tonumber(ARGV[2 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  tats[i] = tat
  local slot = tat + interval * (cost - 1) - interval * (burst - 1)
  if slot > at then at = slot end
end
local wait = at - now
if wait > max_wait then
  return {0, wait}
end
for i = 1, #KEYS do
  local interval = tonumber(ARGV[1 + 2 * i])
  local tat = math.max(tats[i], at) + interval * cost
  -- Kept a second past the TAT: an idle lane's key vanishes.
  local ttl_ms = math.ceil((tat - now) / 1000) + 1000
  redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', ttl_ms)
end
return {1, wait}
