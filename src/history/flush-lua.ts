export const FLUSH_SEQUENCE_TTL_SECONDS = 86_400;

/**
 * Applies one tenant delta atomically and at most once. KEYS[1] is the tenant record (no record:
 * the tenant was deleted, nothing is written), KEYS[2] the last sequence applied from this
 * instance (a retry of an applied delta is skipped), the other KEYS are referenced by index from
 * ARGV, which after the sequence is a list of operations:
 *   h key field n | z key member n | x key ttl | t zkey hkey keep | r key register rank | s key member
 *   | m key field n (a hash field kept at the maximum of what instances send)
 *   | n key ttl (EXPIRE only if the key has no expiry: a key this call created)
 *   | q key score member (ZADD: a period queued for the archiver)
 *   | C ttlMinute ttlHour ttlDay now (the expiries and time the following c ops use)
 *   | c minuteKey hourKey dayKey index n field value … (n pairs: one custom metric's figures for
 *     one minute, added to its minute, hour and day hashes: `s` added (saturating at ±Number.MAX_VALUE), `mn`/`mx` kept at
 *     the minimum/maximum, the others by HINCRBY; a hash this call created, i.e. without expiry
 *     yet, gets its expiry and joins the index, scored by when it expires, and index entries
 *     expired by `now` are trimmed then)
 *   | g key field (the ops up to the next g or G apply only if the hash has the field: a custom
 *     metric deleted while its figures were in flight writes nothing) | G (end of guarded ops)
 * Every key carries the tenant's hash tag, so on Redis Cluster the whole call runs in one slot.
 */
export const FLUSH_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local seq = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
if seq <= last then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ${FLUSH_SEQUENCE_TTL_SECONDS})
local i = 2
local n = #ARGV
local arity = { h = 4, z = 4, x = 3, t = 4, r = 4, s = 3, m = 4, C = 5, n = 3, q = 4 }
local skipping = false
local cttl = {}
local cnow = 0
local MAXD = 1.7976931348623157e308
while i <= n do
  local op = ARGV[i]
  if op == 'g' then
    skipping = redis.call('HEXISTS', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2]) == 0
    i = i + 3
  elseif op == 'G' then
    skipping = false
    i = i + 1
  elseif skipping then
    if op == 'c' then i = i + 6 + 2 * tonumber(ARGV[i + 5]) else i = i + (arity[op] or (n + 1)) end
  elseif op == 'h' then
    redis.call('HINCRBY', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'z' then
    redis.call('ZINCRBY', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 3], ARGV[i + 2])
    i = i + 4
  elseif op == 'x' then
    redis.call('EXPIRE', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2])
    i = i + 3
  elseif op == 't' then
    local zkey = KEYS[tonumber(ARGV[i + 1])]
    local hkey = KEYS[tonumber(ARGV[i + 2])]
    local keep = tonumber(ARGV[i + 3])
    local extra = redis.call('ZRANGE', zkey, 0, -(keep + 1))
    for j = 1, #extra, 500 do
      local chunk = {}
      for k = j, math.min(j + 499, #extra) do chunk[#chunk + 1] = extra[k] end
      redis.call('ZREM', zkey, unpack(chunk))
      redis.call('HDEL', hkey, unpack(chunk))
    end
    i = i + 4
  elseif op == 'r' then
    local key = KEYS[tonumber(ARGV[i + 1])]
    local register = tonumber(ARGV[i + 2])
    local rank = tonumber(ARGV[i + 3])
    local current = redis.call('GETRANGE', key, register, register)
    if current == '' or string.byte(current) < rank then
      redis.call('SETRANGE', key, register, string.char(rank))
    end
    i = i + 4
  elseif op == 'm' then
    local key = KEYS[tonumber(ARGV[i + 1])]
    local current = redis.call('HGET', key, ARGV[i + 2])
    if not current or tonumber(ARGV[i + 3]) > tonumber(current) then
      redis.call('HSET', key, ARGV[i + 2], ARGV[i + 3])
    end
    i = i + 4
  elseif op == 'C' then
    cttl = { tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]) }
    cnow = tonumber(ARGV[i + 4])
    i = i + 5
  elseif op == 'c' then
    local index = KEYS[tonumber(ARGV[i + 4])]
    local fields = tonumber(ARGV[i + 5])
    for j = 1, 3 do
      local key = KEYS[tonumber(ARGV[i + j])]
      for p = 0, fields - 1 do
        local field = ARGV[i + 6 + 2 * p]
        local value = ARGV[i + 7 + 2 * p]
        if field == 's' then
          -- Added here, saturating at the largest double: HINCRBYFLOAT refuses a result past it,
          -- and an error half-way would leave the rest of the delta unwritten under its sequence.
          local sum = (tonumber(redis.call('HGET', key, field)) or 0) + (tonumber(value) or 0)
          if sum ~= sum then sum = 0 elseif sum > MAXD then sum = MAXD elseif sum < -MAXD then sum = -MAXD end
          redis.call('HSET', key, field, string.format('%.17g', sum))
        elseif field == 'mn' or field == 'mx' then
          local current = tonumber(redis.call('HGET', key, field))
          local v = tonumber(value)
          if v and (not current or (field == 'mx' and v > current) or (field == 'mn' and v < current)) then
            redis.call('HSET', key, field, value)
          end
        else
          redis.call('HINCRBY', key, field, value)
        end
      end
      if redis.call('TTL', key) == -1 then
        local ttl = cttl[j]
        redis.call('EXPIRE', key, ttl)
        redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. cnow)
        redis.call('ZADD', index, cnow + ttl, key)
        if redis.call('TTL', index) < ttl then redis.call('EXPIRE', index, ttl) end
      end
    end
    i = i + 6 + 2 * fields
  elseif op == 's' then
    redis.call('SADD', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2])
    i = i + 3
  elseif op == 'n' then
    if redis.call('TTL', KEYS[tonumber(ARGV[i + 1])]) == -1 then redis.call('EXPIRE', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2]) end
    i = i + 3
  elseif op == 'q' then
    redis.call('ZADD', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  else
    return redis.error_reply('pulse flush: unknown op ' .. tostring(op))
  end
end
return 1
`;
