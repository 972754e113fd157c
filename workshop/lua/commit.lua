-- Applies one decided change to a room, all or nothing.
-- KEYS[1] meta hash, KEYS[2] seen set, KEYS[3] version counter, KEYS[4..] every other key of the room.
-- ARGV: action id ('' for none), expected meta rev ('' to skip the check), ttl seconds, new meta doc
-- ('' for unchanged), plan JSON, slack seconds, the room's channel (the new version is published on
-- it, in the same round trip). Every key written gets the full TTL; every key of the
-- room is refreshed once the meta hash has less than ttl - slack left, so a busy room does not pay
-- for refreshing all its keys on every vote. Plan JSON:
-- {"absent": [[key index, field]...], "expect": [[key index, field, value ('' = absent)]...],
--  "writes": [["hset"|"hdel"|"del", key index, field, value]...]}
local action_id, expected_rev, ttl, doc = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local plan = cjson.decode(ARGV[5])
local slack = tonumber(ARGV[6])
local channel = ARGV[7]

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'gone', 0}
end
if action_id ~= '' and redis.call('SISMEMBER', KEYS[2], action_id) == 1 then
  return {'duplicate', tonumber(redis.call('GET', KEYS[3]) or '0')}
end
if expected_rev ~= '' and redis.call('HGET', KEYS[1], 'rev') ~= expected_rev then
  return {'stale', 0}
end
for _, check in ipairs(plan['expect']) do
  if (redis.call('HGET', KEYS[check[1]], check[2]) or '') ~= check[3] then
    return {'stale', 0}
  end
end
for _, check in ipairs(plan['absent']) do
  if redis.call('HEXISTS', KEYS[check[1]], check[2]) == 1 then
    return {'taken', check[2]}
  end
end
local written = {[2] = true, [3] = true}
for _, w in ipairs(plan['writes']) do
  written[w[2]] = true
  if w[1] == 'hset' then
    redis.call('HSET', KEYS[w[2]], w[3], w[4])
  elseif w[1] == 'hdel' then
    redis.call('HDEL', KEYS[w[2]], w[3])
  elseif w[1] == 'del' then
    redis.call('DEL', KEYS[w[2]])
  end
end
local refresh_all = redis.call('TTL', KEYS[1]) < ttl - slack
if doc ~= '' then
  written[1] = true
  redis.call('HSET', KEYS[1], 'doc', doc)
  redis.call('HINCRBY', KEYS[1], 'rev', 1)
end
if action_id ~= '' then
  redis.call('SADD', KEYS[2], action_id)
end
local version = redis.call('INCR', KEYS[3])
for i = 1, #KEYS do
  if refresh_all or written[i] then
    redis.call('EXPIRE', KEYS[i], ttl)
  end
end
redis.call('PUBLISH', channel, version)
return {'ok', version}
