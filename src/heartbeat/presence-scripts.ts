/**
 * Lua for presence. Every key is one tenant's (hash tag `{t:<id>}`), so each call runs in one
 * Redis Cluster slot, atomically: a heartbeat and the offline detector never interleave.
 */

/**
 * One heartbeat. KEYS: client hash, online, seen, index, status:healthy, status:degraded,
 * status:unhealthy, status:offline, minute hash, tenant record. ARGV: clientId, now (ms), status,
 * sent, received, errors, uptime, retention (s), minute TTL (s), client timestamp (ms).
 * Returns { transition ('online' | 'status_changed' | '' | 'stale' | 'gone'), previous status }.
 */
export const HEARTBEAT_LUA = `
if redis.call('EXISTS', KEYS[10]) == 0 then return {'gone', ''} end
local id = ARGV[1]
local now = tonumber(ARGV[2])
local status = ARGV[3]
local prev = redis.call('HMGET', KEYS[1], 'status', 'ts', 'sent', 'received', 'errors', 'uptime')
local previous = prev[1] or ''
-- Order by the client's own clock: two Pulse instances may write one client's heartbeats out of
-- order, and their clocks need not agree; the client's clock is one clock.
if previous ~= '' and tonumber(ARGV[10]) < tonumber(prev[2] or '0') then return {'stale', previous} end
local sent, received, errors, uptime = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local dSent, dReceived, dErrors = sent, received, errors
if previous ~= '' then
  local pSent, pReceived, pErrors, pUptime = tonumber(prev[3] or '0'), tonumber(prev[4] or '0'), tonumber(prev[5] or '0'), tonumber(prev[6] or '0')
  -- A cumulative counter that went down means the client restarted: its new values are the deltas.
  if not (sent < pSent or received < pReceived or errors < pErrors or uptime < pUptime) then
    dSent, dReceived, dErrors = sent - pSent, received - pReceived, errors - pErrors
  end
end
local statusKey = { healthy = KEYS[5], degraded = KEYS[6], unhealthy = KEYS[7], offline = KEYS[8] }
local transition = ''
if previous == '' or previous == 'offline' then
  transition = 'online'
  redis.call('HSET', KEYS[1], 'connectedSince', ARGV[2])
  if previous == '' then
    redis.call('HSET', KEYS[1], 'firstSeen', ARGV[2])
    for _, key in pairs(statusKey) do redis.call('ZREM', key, id) end
  end
elseif previous ~= status then
  transition = 'status_changed'
end
if previous ~= status then
  if statusKey[previous] then redis.call('ZREM', statusKey[previous], id) end
  redis.call('ZADD', statusKey[status], 0, id)
end
redis.call('HSET', KEYS[1], 'status', status, 'lastSeen', ARGV[2], 'ts', ARGV[10], 'sent', ARGV[4],
  'received', ARGV[5], 'errors', ARGV[6], 'uptime', ARGV[7], 'd_sent', dSent, 'd_received', dReceived,
  'd_errors', dErrors)
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('ZADD', KEYS[2], now, id)
redis.call('ZADD', KEYS[3], now, id)
redis.call('ZADD', KEYS[4], 0, id)
if dSent > 0 then redis.call('HINCRBY', KEYS[9], 'hb_sent', dSent) end
if dReceived > 0 then redis.call('HINCRBY', KEYS[9], 'hb_received', dReceived) end
if dErrors > 0 then redis.call('HINCRBY', KEYS[9], 'hb_errors', dErrors) end
redis.call('HINCRBY', KEYS[9], 'hb', 1)
redis.call('EXPIRE', KEYS[9], ARGV[9])
return {transition, previous}
`;

/**
 * Marks clients offline whose last heartbeat is at or before the cutoff, re-checking each one
 * inside the script so that a heartbeat that landed meanwhile wins. KEYS: online,
 * status:healthy, status:degraded, status:unhealthy, status:offline, then one client hash per id.
 * ARGV: cutoff (ms), now (ms), retention (s), then the client ids.
 * Returns a flat list id, previous status for each client marked.
 */
export const MARK_OFFLINE_LUA = `
local cutoff = tonumber(ARGV[1])
local statusKey = { healthy = KEYS[2], degraded = KEYS[3], unhealthy = KEYS[4], offline = KEYS[5] }
local out = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local key = KEYS[i + 2]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) <= cutoff then
    redis.call('ZREM', KEYS[1], id)
    local previous = redis.call('HGET', key, 'status') or ''
    if statusKey[previous] and previous ~= 'offline' then redis.call('ZREM', statusKey[previous], id) end
    redis.call('ZADD', KEYS[5], 0, id)
    if redis.call('EXISTS', key) == 1 then
      redis.call('HSET', key, 'status', 'offline', 'previousStatus', previous, 'offlineAt', ARGV[2])
      redis.call('EXPIRE', key, ARGV[3])
    end
    out[#out + 1] = id
    out[#out + 1] = previous
  end
end
return out
`;

/**
 * Forgets offline clients last seen before the cutoff (tenant retention). KEYS: seen, index,
 * online, status:healthy, status:degraded, status:unhealthy, status:offline, then one client hash
 * per id. ARGV: cutoff (ms), then the client ids. Returns how many were forgotten.
 */
export const FORGET_CLIENTS_LUA = `
local cutoff = tonumber(ARGV[1])
local forgotten = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) <= cutoff and not redis.call('ZSCORE', KEYS[3], id) then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    for k = 4, 7 do redis.call('ZREM', KEYS[k], id) end
    redis.call('DEL', KEYS[i + 6])
    forgotten = forgotten + 1
  end
end
return forgotten
`;
