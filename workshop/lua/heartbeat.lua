-- Tells that connections are still there, in a room that still exists (a room deleted meanwhile
-- gets no key back). Screens need not re-render: nothing is bumped or published.
-- KEYS[1] meta hash, KEYS[2] presence zset. ARGV[1] now, ARGV[2] ttl seconds, ARGV[3..] members.
-- Returns how many members were marked (0 for a gone room).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
for i = 3, #ARGV do
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i])
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
return #ARGV - 2
