-- Applies decided changes to one room, in order, each all or nothing on its own.
-- KEYS[1] meta hash, KEYS[2] seen set, KEYS[3] version counter, KEYS[4..] every other key of the
-- room (and any key a change writes). ARGV[1] ttl seconds, ARGV[2] slack seconds, ARGV[3] the
-- room's channel, ARGV[4] the changes as one JSON array (one argument, however many changes),
-- each [action id ('' for none), expected meta rev ('' to skip the check), new meta doc ('' for
-- unchanged), plan]; ARGV[4 + i] the i-th change as the channel tells it (a JSON object, passed
-- as it is rather than inside the array, which would escape it). A plan is
-- {"absent": [[key index, field]...], "expect": [[key index, field, value ('' = absent)]...],
--  "writes": [["hset"|"hdel"|"del", key index, field, value]...]}, "absent" and "expect" left
-- out when empty.
-- Returns {status, detail} per change: {'ok', version}, {'duplicate', version}, {'stale', 0},
-- {'gone', 0} or {'taken', field}. After the changes, every key written gets the full TTL, every
-- key of the room is refreshed once the meta hash has less than ttl - slack left (so a busy room
-- does not refresh all its keys on every vote), and the room's last version is published once,
-- with the changes applied: {"v": last version, "c": [each applied change's JSON, in order]}
-- (each applied change bumped the version by one, so they follow version v - #c).
local ttl, slack, channel = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local written = {[2] = true, [3] = true}

local function apply(action_id, expected_rev, doc, plan)
  if redis.call('EXISTS', KEYS[1]) == 0 then
    return {'gone', 0}
  end
  if action_id ~= '' and redis.call('SISMEMBER', KEYS[2], action_id) == 1 then
    return {'duplicate', tonumber(redis.call('GET', KEYS[3]) or '0')}
  end
  if expected_rev ~= '' and redis.call('HGET', KEYS[1], 'rev') ~= expected_rev then
    return {'stale', 0}
  end
  for _, check in ipairs(plan['expect'] or {}) do
    if (redis.call('HGET', KEYS[check[1]], check[2]) or '') ~= check[3] then
      return {'stale', 0}
    end
  end
  for _, check in ipairs(plan['absent'] or {}) do
    if redis.call('HEXISTS', KEYS[check[1]], check[2]) == 1 then
      return {'taken', check[2]}
    end
  end
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
  if doc ~= '' then
    written[1] = true
    redis.call('HSET', KEYS[1], 'doc', doc)
    redis.call('HINCRBY', KEYS[1], 'rev', 1)
  end
  if action_id ~= '' then
    redis.call('SADD', KEYS[2], action_id)
  end
  return {'ok', redis.call('INCR', KEYS[3])}
end

local refresh_all = redis.call('TTL', KEYS[1]) < ttl - slack
local results, version, told = {}, nil, {}
for i, change in ipairs(cjson.decode(ARGV[4])) do
  local result = apply(change[1], change[2], change[3], change[4])
  if result[1] == 'ok' then
    version = result[2]
    told[#told + 1] = ARGV[4 + i]
  end
  results[#results + 1] = result
end
if version ~= nil then
  for i = 1, #KEYS do
    if refresh_all or written[i] then
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
  redis.call('PUBLISH', channel, '{"v":' .. version .. ',"c":[' .. table.concat(told, ',') .. ']}')
end
return results
