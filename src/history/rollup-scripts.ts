import {
  COUNTER_FIELDS as F,
  COUNTER_SCHEMA,
  FLUSHED_TO_DAY_FIELDS,
  luaFieldIn,
  MAX_FIELDS,
} from './counter-schema.js';

/** Per-second fields of a minute: `m:` counts toward the minute's peak, both are stripped later. */
const SECOND_M = COUNTER_SCHEMA.secondMessages.field;
const SECOND_B = COUNTER_SCHEMA.secondBytes.field;

/**
 * Rollups recompute a bucket from its sources and overwrite it, so running one twice, or again
 * after a retry, changes nothing. How each field combines comes from the counter schema
 * (counter-schema.ts): its maxima (the peak second from the minutes' seconds or peaks, the
 * sampled clients) are kept at their maximum, every other field is summed; the day rollup leaves
 * the fields the flush keeps exact in the day hash. Built once, when the module loads.
 */
const FOLD = `
local function fold(acc, flat, peakOf)
  local minutePeak = nil
  local seconds = {}
  for j = 1, #flat, 2 do
    local f, v = flat[j], tonumber(flat[j + 1]) or 0
    local c = string.sub(f, 1, 2)
    if c == '${SECOND_M}' then
      if minutePeak == nil or v > minutePeak then minutePeak = v end
      seconds[#seconds + 1] = f
    elseif c == '${SECOND_B}' then
      seconds[#seconds + 1] = f
    elseif f == '${F.peak}' then
      if minutePeak == nil or v > minutePeak then minutePeak = v end
    elseif ${luaFieldIn(MAX_FIELDS.filter((f) => f !== F.peak))} then
      if v > (acc[f] or 0) then acc[f] = v end
    elseif peakOf == nil or not (${luaFieldIn(FLUSHED_TO_DAY_FIELDS)}) then
      acc[f] = (acc[f] or 0) + v
    end
  end
  if minutePeak and minutePeak > (acc['${F.peak}'] or 0) then acc['${F.peak}'] = minutePeak end
  return minutePeak, seconds
end
local function write(key, acc, ttl)
  local args = {}
  for f, v in pairs(acc) do args[#args + 1] = f; args[#args + 1] = v end
  if #args > 0 then
    redis.call('HSET', key, unpack(args))
    redis.call('EXPIRE', key, ttl)
  end
  return #args / 2
end
`;

/**
 * One hour from its minutes. KEYS: hour key, the hour's 60 minute keys, the tenant's record (the
 * erasure's fence: an erased tenant gets nothing written). ARGV: hour TTL (s),
 * strip-before (epoch s: older minutes lose their per-second fields, keeping their peak as pk),
 * then the 60 minute epochs. Returns the number of fields written.
 */
export const ROLLUP_HOUR_LUA = `${FOLD}
if redis.call('EXISTS', KEYS[#KEYS]) == 0 then return 0 end
local acc = {}
for i = 2, #KEYS - 1 do
  local flat = redis.call('HGETALL', KEYS[i])
  if #flat > 0 then
    local minutePeak, seconds = fold(acc, flat, nil)
    if minutePeak and #seconds > 0 and tonumber(ARGV[i + 1]) < tonumber(ARGV[2]) then
      redis.call('HSET', KEYS[i], '${F.peak}', minutePeak)
      for j = 1, #seconds, 100 do
        redis.call('HDEL', KEYS[i], unpack(seconds, j, math.min(j + 99, #seconds)))
      end
    end
  end
end
redis.call('DEL', KEYS[1])
return write(KEYS[1], acc, ARGV[1])
`;

/**
 * One day from its hours, into the day hash that the flush already keeps m and b in (exact, so
 * they are left alone). KEYS: day key, the day's 24 hour keys, the tenant's record (the fence).
 * ARGV: day TTL (s).
 */
export const ROLLUP_DAY_LUA = `${FOLD}
if redis.call('EXISTS', KEYS[#KEYS]) == 0 then return 0 end
local acc = {}
for i = 2, #KEYS - 1 do
  local flat = redis.call('HGETALL', KEYS[i])
  if #flat > 0 then fold(acc, flat, true) end
end
return write(KEYS[1], acc, ARGV[1])
`;
