-- Replace a cached response as a whole and set its expiry in one step.
-- KEYS[1]: the entry. ARGV: status, content_type ('' for none), stored_at_ms, body, keep_ms.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'ct', ARGV[2], 'at', ARGV[3], 'body', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
