-- Claims a room code. KEYS[1] meta hash, KEYS[2] version counter. ARGV: meta doc, ttl seconds.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'rev', 1)
redis.call('SET', KEYS[2], 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
return 1
