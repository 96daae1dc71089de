// The heartbeat body the benchmarks send (bench/heartbeat-publisher.mjs, bench/nats-replay.mjs):
// valid for Pulse's schema; status fixed per client (every tenth degraded); cumulative metrics
// that grow with the round.
export function heartbeatBody({ tenant, client, round, timestamp }) {
  return {
    client_id: `c${client}`,
    tenant_id: tenant,
    timestamp,
    status: client % 10 === 0 ? 'degraded' : 'healthy',
    metrics: {
      messages_sent: round * 10,
      messages_received: round * 20,
      errors: round,
      uptime_seconds: round * 30,
    },
  };
}
