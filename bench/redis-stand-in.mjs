// An in-memory stand-in for the Redis client (ioredis) behind the presence writer's flush, for the
// instruction-count benchmark (bench/instructions-subscriber.mjs): it takes the commands Pulse's
// repositories define and call (defineCommand, then the command with its keys and arguments) and
// answers at once with a reply of the shape Redis gives, so that the count holds Pulse's work to
// build each call (keys, arguments, chunks per tenant) and to read the reply, and no I/O: no
// socket, no RESP encoding or parsing (ioredis's work, which is not counted), no Redis.
//
// Replies: the heartbeat script (`pulseHeartbeats`) answers as Redis does for known clients whose
// status did not change, of a tenant without per-client tracking (the steady state the benchmark
// measures, its tenants basic): 'ok' and no transition. Any other script answers an empty array (the fenced
// write's reply for no command; unused by the flush of accepted heartbeats).

/** ARGV values before the first heartbeat, and per heartbeat, in HEARTBEATS_LUA (src/heartbeat/presence-scripts.ts). */
export const HEARTBEAT_LAYOUT = { fixed: 8, stride: 8 };

/**
 * A stand-in Redis client: `status` 'ready'; `calls` counts the calls per command name, `heartbeats`
 * the heartbeats the heartbeat script was given. `layout`: where the heartbeat script's arguments are.
 * `activity`: the reply also carries each heartbeat's per-client figures (1-based index, sent,
 * received, errors, seconds online), as the script returns them for a tracked (enterprise) tenant
 * on builds that add them up in Pulse (#37).
 */
export function redisStandIn(layout = HEARTBEAT_LAYOUT, { activity = false } = {}) {
  const client = {
    status: 'ready',
    calls: new Map(),
    heartbeats: 0,
    defineCommand(name) {
      client[name] = (...keysAndArgs) => {
        client.calls.set(name, (client.calls.get(name) ?? 0) + 1);
        return Promise.resolve(name === 'pulseHeartbeats' ? heartbeatsReply(keysAndArgs) : []);
      };
    },
  };
  /** Variable-key scripts are called with the number of keys first, then the keys, then ARGV. */
  const heartbeatsReply = (keysAndArgs) => {
    const first = 1 + keysAndArgs[0] + layout.fixed;
    const n = (keysAndArgs.length - first) / layout.stride;
    if (!Number.isInteger(n)) throw new Error(`pulseHeartbeats: ${keysAndArgs.length} values are not whole heartbeats`);
    client.heartbeats += n;
    if (!activity) return ['ok', 0];
    const reply = ['ok', 0];
    for (let i = 1; i <= n; i++) reply.push(i, 3, 2, 0, 30);
    return reply;
  };
  return client;
}
