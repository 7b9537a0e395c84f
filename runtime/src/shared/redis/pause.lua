-- Admit nothing in any lane for `pause_us`: push each lane's TAT to the pause's end
-- (plus its burst tolerance, so the first cell after the pause goes exactly then).
-- KEYS: lane keys. ARGV: pause_us, then interval_us and burst per lane.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause = tonumber(ARGV[1])
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[1 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  tat = math.max(tat, now + pause + interval * (burst - 1))
  redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
end
return 1
