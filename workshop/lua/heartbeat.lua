-- Tells that connections are still there, in a room that still exists (a room deleted meanwhile
-- gets no key back). The version does not move (nothing a screen shows changes), but the room's
-- channel hears it, {"b": [members], "t": now}, so that every process holding the room keeps
-- those connections present.
-- KEYS[1] meta hash, KEYS[2] presence zset, KEYS[3] version counter. ARGV[1] now, ARGV[2] ttl
-- seconds, ARGV[3] the room's channel, ARGV[4..] members.
-- Returns the room's version (0 for a gone room), by which a process holding the room can tell
-- that it missed a change.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if #ARGV < 4 then
  return tonumber(redis.call('GET', KEYS[3]) or '0')
end
local members = {}
for i = 4, #ARGV do
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i])
  members[#members + 1] = ARGV[i]
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
redis.call('PUBLISH', ARGV[3], '{"b":' .. cjson.encode(members) .. ',"t":' .. ARGV[1] .. '}')
return tonumber(redis.call('GET', KEYS[3]) or '0')
