-- Marks one connection online or gone, in a room that still exists: a screen that leaves after
-- "Delete now" must not bring one of the room's keys back.
-- KEYS[1] meta hash, KEYS[2] presence zset, KEYS[3] version counter.
-- ARGV: member, now, 'online' | 'offline', stale before (score), ttl seconds, the room's channel.
-- Returns the room's new version, also published on the channel with the change:
-- {"v": version, "c": [{"o": member, "on": online?, "t": now, "s": stale before}]}; 0 for a gone
-- room.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if ARGV[3] == 'offline' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local version = redis.call('INCR', KEYS[3])
local change = '{"o":' .. cjson.encode(ARGV[1]) .. ',"on":' .. tostring(ARGV[3] == 'online')
  .. ',"t":' .. ARGV[2] .. ',"s":' .. ARGV[4] .. '}'
redis.call('PUBLISH', ARGV[6], '{"v":' .. version .. ',"c":[' .. change .. ']}')
return version
