/**
 * Lua for presence. Every key is one tenant's (hash tag `{t:<id>}`), so each call runs in one
 * Redis Cluster slot, atomically: a heartbeat and the offline detector never interleave.
 */

import {
  CLIENT_DAY_FIELDS as C,
  CLIENT_FIELD_SEPARATOR as SEP,
  COUNTER_FIELDS as F,
} from '../history/counter-schema.js';

/** ARGV values per heartbeat in HEARTBEATS_LUA. */
export const HEARTBEAT_STRIDE = 8;
/** ARGV values before the first heartbeat in HEARTBEATS_LUA. */
export const HEARTBEAT_FIXED_ARGS = 8;

/** HEARTBEATS_LUA's transition kind for a heartbeat of a new client refused at the tenant's client limit. */
export const CLIENT_LIMIT_REFUSAL = 'client_limit';

/** Heartbeats of one client received this close together are ordered by the client's clock. */
export const REORDER_WINDOW_MS = 5000;

/** Hours: a client hash's expiry is renewed when its last-seen hour changes, to the retention plus this. */
export const CLIENT_EXPIRY_SLACK_SECONDS = 3600;

/**
 * A batch of one tenant's heartbeats (one per client). KEYS: online, seen, index,
 * status:healthy, status:degraded, status:unhealthy, status:offline, minute hash, tenant record,
 * client-day hash, tenant totals, client-traffic zset, clients-seen HLL, then one client hash per heartbeat. ARGV: client retention (s), minute TTL (s),
 * track client behaviour (1/0), client-day TTL (s), heartbeat timeout (ms), heartbeats the server
 * delivered and their bytes (`pd_m`/`pd_b`, added to the minute and the totals: every heartbeat of
 * the tenant this instance took since the last write, the superseded and rejected ones included),
 * the most clients the tenant may have (its client index: MAX_CLIENTS_PER_TENANT),
 * then per heartbeat clientId, now (ms), status, sent, received, errors, uptime, client timestamp (ms). With
 * tracking on, the client-day hash gets per client `<id>|ss` (sessions) and `<id>|rc` (reconnects
 * after being offline), and the clients-seen HLL the ids; the message and error deltas and the
 * seconds online (`<id>|s|r|e|on`, and the traffic zset) are returned to Pulse instead, which adds
 * them up in memory and writes them with CLIENT_ACTIVITY_LUA every few minutes (four HINCRBY and a
 * ZINCRBY per heartbeat were ~40 % of a tracked heartbeat's Redis instructions).
 *
 * Steady state (status unchanged) costs one HMGET and one HSET per client: the online and seen zsets and the clients-seen HLL get one
 * command per call for all its clients, the status field is written only when it changes, and
 * the hash's expiry is renewed only when its last-seen hour changes (or it comes online), to the
 * retention plus CLIENT_EXPIRY_SLACK_SECONDS: never shorter than the retention after the last
 * heartbeat, at most an hour longer (the offline detector forgets clients by the seen zset).
 *
 * A heartbeat of a client with no hash (first contact) is refused when the tenant's client index
 * already holds the limit and not this id: nothing of it is written or counted (`hb`), and it comes
 * back as a CLIENT_LIMIT_REFUSAL triple. The index is counted (ZCARD) once per call, at its first
 * new client, and then kept in step with the ZADDs: a steady heartbeat (a known client) pays
 * nothing, and the count is exact across Pulse instances (a script runs alone). A forgotten client
 * (FORGET_CLIENTS_LUA) leaves the index and frees its place.
 *
 * Returns 'gone' when the tenant does not exist (nothing written), else 'ok', the number of
 * triples, one triple per transition or refusal: the heartbeat's index (1-based), 'online' |
 * 'status_changed' | CLIENT_LIMIT_REFUSAL, previous status ('' when none); then, tracked, five integers per heartbeat
 * applied: its index, the sent, received and error deltas and the seconds online it adds. A heartbeat older than the stored one (by the client's clock, within
 * REORDER_WINDOW_MS) is not applied; one already applied (same lastSeen and client timestamp as
 * stored: a call sent again after a timeout although Redis ran it) changes nothing and is not
 * counted again (its event, if any, was lost with the first reply).
 */
export const HEARTBEATS_LUA = `
local n = (#ARGV - ${HEARTBEAT_FIXED_ARGS}) / ${HEARTBEAT_STRIDE}
local track = ARGV[3] == '1'
local timeout = tonumber(ARGV[5])
local ttl = tostring(tonumber(ARGV[1]) + ${CLIENT_EXPIRY_SLACK_SECONDS})
local maxClients = tonumber(ARGV[8])
-- The tenant's clients (its index), counted at the call's first new client only.
local clients = nil
local function atLimit(id)
  clients = clients or redis.call('ZCARD', KEYS[3])
  return clients >= maxClients and not redis.call('ZSCORE', KEYS[3], id)
end
local function clientDay(id, field, v)
  if track and v ~= 0 then redis.call('HINCRBY', KEYS[10], id .. '${SEP}' .. field, v) end
end
-- One command for many members, in slices that fit Lua's stack.
local function bulk(command, key, list)
  for s = 1, #list, 1000 do redis.call(command, key, unpack(list, s, math.min(s + 999, #list))) end
end
if redis.call('EXISTS', KEYS[9]) == 0 then return { 'gone' } end
local statusKey = { healthy = KEYS[4], degraded = KEYS[5], unhealthy = KEYS[6], offline = KEYS[7] }
local hbSent, hbReceived, hbErrors = 0, 0, 0
local counted = 0
local out = { 'ok', 0 }
local byTime, seenToday, activity = {}, {}, {}
for i = 1, n do
  local a = ${HEARTBEAT_FIXED_ARGS} + (i - 1) * ${HEARTBEAT_STRIDE}
  local key = KEYS[13 + i]
  local id, now, status, ts = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 8]
  -- Kept as the strings they came as: written back as they are (a Lua number written by a
  -- command is formatted with snprintf, ~1,700 instructions each), converted only to subtract.
  local sentArg, receivedArg, errorsArg, uptimeArg = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
  local sent, received, errors, uptime = tonumber(sentArg), tonumber(receivedArg), tonumber(errorsArg), tonumber(uptimeArg)
  local prev = redis.call('HMGET', key, 'status', 'ts', 'sent', 'received', 'errors', 'uptime', 'lastSeen')
  local previous = prev[1] or ''
  local nowMs = tonumber(now)
  local last = prev[7] and tonumber(prev[7]) or nil
  -- Order by the client's own clock: two Pulse instances may write one client's heartbeats out
  -- of order, and their clocks need not agree; the client's clock is one clock. But only within
  -- the few seconds such reordering takes: a heartbeat received later than that is newer whatever
  -- its clock says (a clock stepped back, a host change, a previous timestamp minutes ahead).
  -- (The window is compared first: a steady heartbeat, seconds after the last, converts no timestamp.)
  if previous == '' and atLimit(id) then
    -- A new client beyond the tenant's limit: nothing written, reported back as refused.
    out[#out + 1] = i
    out[#out + 1] = '${CLIENT_LIMIT_REFUSAL}'
    out[#out + 1] = ''
  elseif previous ~= '' and last and nowMs - last < ${REORDER_WINDOW_MS} and tonumber(ts) < tonumber(prev[2] or '0') then
    counted = counted + 1
  elseif previous ~= '' and prev[7] == now and prev[2] == ts then
    -- This very heartbeat, applied already: a call that timed out in Pulse but ran, sent again.
  else
    counted = counted + 1
    local dSent, dReceived, dErrors = sent, received, errors
    if previous ~= '' then
      local pSent, pReceived, pErrors, pUptime = tonumber(prev[3] or '0'), tonumber(prev[4] or '0'), tonumber(prev[5] or '0'), tonumber(prev[6] or '0')
      -- A cumulative counter that went down means the client restarted: its new values are the deltas.
      if not (sent < pSent or received < pReceived or errors < pErrors or uptime < pUptime) then
        dSent, dReceived, dErrors = sent - pSent, received - pReceived, errors - pErrors
      end
    end
    local renew = previous == '' or previous == 'offline'
    local fields = {}
    local onlineSeconds = 0
    if previous ~= '' and previous ~= 'offline' then
      -- Online since the last heartbeat: count the time between them, at most the timeout.
      last = last or nowMs
      local gap = nowMs - last
      if gap > 0 then onlineSeconds = math.floor(math.min(gap, timeout) / 1000) end
      renew = math.floor(nowMs / 3600000) ~= math.floor(last / 3600000)
    end
    if track then
      -- The client-day message, error and online figures and the traffic ranking go back to
      -- Pulse, which adds them up in memory and writes them per client every few minutes.
      activity[#activity + 1] = i
      activity[#activity + 1] = dSent
      activity[#activity + 1] = dReceived
      activity[#activity + 1] = dErrors
      activity[#activity + 1] = onlineSeconds
      seenToday[#seenToday + 1] = id
    end
    if previous == '' or previous == 'offline' then
      out[#out + 1] = i
      out[#out + 1] = 'online'
      out[#out + 1] = previous
      clientDay(id, '${C.sessions}', '1')
      if previous == 'offline' then clientDay(id, '${C.reconnects}', '1') end
      fields[#fields + 1] = 'connectedSince'
      fields[#fields + 1] = now
      if previous == '' then
        fields[#fields + 1] = 'firstSeen'
        fields[#fields + 1] = now
        for _, k in pairs(statusKey) do redis.call('ZREM', k, id) end
        clients = clients + redis.call('ZADD', KEYS[3], '0', id)
      end
    elseif previous ~= status then
      out[#out + 1] = i
      out[#out + 1] = 'status_changed'
      out[#out + 1] = previous
    end
    if previous ~= status then
      if statusKey[previous] then redis.call('ZREM', statusKey[previous], id) end
      redis.call('ZADD', statusKey[status], '0', id)
      fields[#fields + 1] = 'status'
      fields[#fields + 1] = status
    end
    -- One HSET per heartbeat, the fields of a transition included.
    redis.call('HSET', key, 'lastSeen', now, 'ts', ts, 'sent', sentArg, 'received', receivedArg, 'errors', errorsArg,
      'uptime', uptimeArg, 'd_sent', dSent, 'd_received', dReceived, 'd_errors', dErrors, unpack(fields))
    if renew then redis.call('EXPIRE', key, ttl) end
    byTime[#byTime + 1] = now
    byTime[#byTime + 1] = id
    hbSent, hbReceived, hbErrors = hbSent + dSent, hbReceived + dReceived, hbErrors + dErrors
  end
end
bulk('ZADD', KEYS[1], byTime)
bulk('ZADD', KEYS[2], byTime)
if counted > 0 then redis.call('HINCRBY', KEYS[8], '${F.heartbeats}', counted) end
if hbSent > 0 then redis.call('HINCRBY', KEYS[8], '${F.heartbeatSent}', hbSent) end
if hbReceived > 0 then redis.call('HINCRBY', KEYS[8], '${F.heartbeatReceived}', hbReceived) end
if hbErrors > 0 then redis.call('HINCRBY', KEYS[8], '${F.heartbeatErrors}', hbErrors) end
local pdM, pdB = tonumber(ARGV[6]), tonumber(ARGV[7])
if pdM > 0 then
  redis.call('HINCRBY', KEYS[8], '${F.pulseDeliveredMessages}', pdM)
  redis.call('HINCRBY', KEYS[11], '${F.pulseDeliveredMessages}', pdM)
end
if pdB > 0 then
  redis.call('HINCRBY', KEYS[8], '${F.pulseDeliveredBytes}', pdB)
  redis.call('HINCRBY', KEYS[11], '${F.pulseDeliveredBytes}', pdB)
end
redis.call('EXPIRE', KEYS[8], ARGV[2])
if track then
  bulk('PFADD', KEYS[13], seenToday)
  redis.call('EXPIRE', KEYS[10], ARGV[4])
  redis.call('EXPIRE', KEYS[12], ARGV[4])
  redis.call('EXPIRE', KEYS[13], ARGV[4])
end
-- All-time heartbeat figures: the anomaly detectors take their per-window deltas.
if hbSent > 0 then redis.call('HINCRBY', KEYS[11], '${F.heartbeatSent}', hbSent) end
if hbReceived > 0 then redis.call('HINCRBY', KEYS[11], '${F.heartbeatReceived}', hbReceived) end
if hbErrors > 0 then redis.call('HINCRBY', KEYS[11], '${F.heartbeatErrors}', hbErrors) end
out[2] = (#out - 2) / 3
for j = 1, #activity do out[#out + 1] = activity[j] end
return out
`;

/**
 * Adds the client activity Pulse added up (HEARTBEATS_LUA's tracked figures) to one tenant's
 * client-day hash and traffic zset. KEYS: tenant record, client-day hash, client-traffic zset.
 * ARGV: client-day TTL (s), then per client its id and its sent, received, errors, seconds online
 * and traffic (sent + received) as decimal strings (a '0' is skipped, but every client gets its
 * ZINCRBY: the traffic zset lists the clients of the day). Nothing when the tenant is gone (an
 * erased tenant's counters are not written back). Returns the number of clients written.
 */
export const CLIENT_ACTIVITY_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = 0
for a = 2, #ARGV, 6 do
  local id = ARGV[a]
  if ARGV[a + 1] ~= '0' then redis.call('HINCRBY', KEYS[2], id .. '${SEP}${C.messagesSent}', ARGV[a + 1]) end
  if ARGV[a + 2] ~= '0' then redis.call('HINCRBY', KEYS[2], id .. '${SEP}${C.messagesReceived}', ARGV[a + 2]) end
  if ARGV[a + 3] ~= '0' then redis.call('HINCRBY', KEYS[2], id .. '${SEP}${C.errors}', ARGV[a + 3]) end
  if ARGV[a + 4] ~= '0' then redis.call('HINCRBY', KEYS[2], id .. '${SEP}${C.onlineSeconds}', ARGV[a + 4]) end
  redis.call('ZINCRBY', KEYS[3], ARGV[a + 5], id)
  n = n + 1
end
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[1])
return n
`;

/**
 * Marks offline, in one call, up to ARGV[6] online clients whose last heartbeat is at or before
 * the cutoff (the oldest first): found and marked atomically, so a heartbeat that landed before
 * the call wins and none can land during it. KEYS: online, status:healthy, status:degraded,
 * status:unhealthy, status:offline, client-day hash, offline-day zset, and the tenant's client-hash
 * key prefix (the hash of the id '': it names the slot; each client's hash is that plus its id, a
 * key of the same slot, which Redis Cluster lets a script reach undeclared). ARGV: cutoff (ms),
 * now (ms), retention (s), track (1/0), client-day TTL (s), most clients. With tracking on,
 * `<id>|off` counts the client's offline transitions, and the offline-day zset ranks clients by
 * them (flapping reads its top only). The online, status and offline sets get one command per
 * call for all its clients. Returns a flat list id, previous status for each client marked.
 */
export const MARK_OFFLINE_LUA = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[6]))
if #ids == 0 then return {} end
local function bulk(command, key, list)
  for s = 1, #list, 1000 do redis.call(command, key, unpack(list, s, math.min(s + 999, #list))) end
end
local track = ARGV[4] == '1'
local statusKey = { healthy = KEYS[2], degraded = KEYS[3], unhealthy = KEYS[4] }
local leaving = { healthy = {}, degraded = {}, unhealthy = {} }
local offline, out = {}, {}
for _, id in ipairs(ids) do
  local key = KEYS[8] .. id
  local previous = redis.call('HGET', key, 'status') or ''
  local from = leaving[previous]
  if from then from[#from + 1] = id end
  -- Constants as strings: a Lua number given to a command is formatted with snprintf (~1,700
  -- instructions; three of them were a tenth of a tracked client's mark).
  offline[#offline + 1] = '0'
  offline[#offline + 1] = id
  -- Every client hash has a status (the heartbeat script writes it first), so none means no hash.
  if previous ~= '' then
    redis.call('HSET', key, 'status', 'offline', 'previousStatus', previous, 'offlineAt', ARGV[2])
    redis.call('EXPIRE', key, ARGV[3])
  end
  if track then
    redis.call('HINCRBY', KEYS[6], id .. '${SEP}${C.offlineTransitions}', '1')
    redis.call('ZINCRBY', KEYS[7], '1', id)
  end
  out[#out + 1] = id
  out[#out + 1] = previous
end
bulk('ZREM', KEYS[1], ids)
for status, list in pairs(leaving) do bulk('ZREM', statusKey[status], list) end
bulk('ZADD', KEYS[5], offline)
if track then
  redis.call('EXPIRE', KEYS[6], ARGV[5])
  redis.call('EXPIRE', KEYS[7], ARGV[5])
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

/**
 * The presence fields of many clients in one command (KEYS: the clients' hashes, one tenant's
 * slot; ARGV: the field names): a flat reply, #ARGV values per client, nil where a field (or the
 * whole hash) is absent. One reply instead of one per client: a page of 100 clients cost 100
 * commands' parsing and promises.
 */
export const CLIENT_ROWS_LUA = `
local out, n = {}, 0
for i = 1, #KEYS do
  local row = redis.call('HMGET', KEYS[i], unpack(ARGV))
  for j = 1, #ARGV do
    n = n + 1
    out[n] = row[j]
  end
end
return out
`;
