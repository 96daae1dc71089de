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
