-- Drop a webhook event's claim, only if it is still the caller's (a handler that
-- outlived its lease must not drop a later delivery's claim, or the processed mark).
-- KEYS[1]: the event's key. ARGV[1]: the claim's token. Returns 1 if dropped.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
