-- Everyone in a room, unless the caller already holds them.
-- KEYS[1] meta hash, KEYS[2] people hash. ARGV[1] the people token the caller holds ('' for none).
-- The meta hash's `people` field is a token that every change to the people hash replaces.
-- Returns {token} when it equals ARGV[1], else {token, HGETALL of the people hash}.
local token = redis.call('HGET', KEYS[1], 'people') or ''
if ARGV[1] ~= '' and token == ARGV[1] then
  return {token}
end
return {token, redis.call('HGETALL', KEYS[2])}
