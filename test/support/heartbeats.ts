import type { NatsConnection } from '@nats-io/transport-node';

export interface HeartbeatBody {
  client_id: string;
  tenant_id: string;
  timestamp: string;
  status: string;
  metrics: { messages_sent: number; messages_received: number; errors: number; uptime_seconds: number };
}

export function heartbeat(tenantId: string, clientId: string, overrides: Partial<HeartbeatBody> = {}): HeartbeatBody {
  return {
    client_id: clientId,
    tenant_id: tenantId,
    timestamp: new Date().toISOString(),
    status: 'healthy',
    metrics: { messages_sent: 0, messages_received: 0, errors: 0, uptime_seconds: 0 },
    ...overrides,
  };
}

export function sendHeartbeat(
  nc: NatsConnection,
  tenantId: string,
  clientId: string,
  body: unknown = heartbeat(tenantId, clientId),
): void {
  nc.publish(
    `_HEARTBEAT.tenant.${tenantId}.client.${clientId}`,
    typeof body === 'string' ? body : JSON.stringify(body),
  );
}

/**
 * Heartbeats from a new client each (`c0`, `c1`, …), `perTick` every 5 ms, until `stop`: the writer
 * cannot fold two into one, so every accepted heartbeat is a client of its own in Redis.
 */
export function heartbeatsFromNewClients(
  nc: NatsConnection,
  tenantId: string,
  perTick: number,
): { stop: () => void; sent: () => number } {
  let sent = 0;
  const ticker = setInterval(() => {
    for (let i = 0; i < perTick; i++) sendHeartbeat(nc, tenantId, `c${sent++}`);
  }, 5);
  return { stop: () => clearInterval(ticker), sent: () => sent };
}
