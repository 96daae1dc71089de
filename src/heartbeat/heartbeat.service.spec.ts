import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { Tenant } from '../tenants/tenant.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { HeartbeatDeliveries } from './heartbeat-deliveries.js';
import { HeartbeatRejections } from './heartbeat-rejections.js';
import { HeartbeatService } from './heartbeat.service.js';
import type { PresenceWriter } from './presence-writer.js';

const NOW = Date.UTC(2026, 10, 28, 18, 0, 0);
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const body = (tenantId: string, clientId: string) =>
  encode({
    client_id: clientId,
    tenant_id: tenantId,
    timestamp: new Date(NOW).toISOString(),
    status: 'healthy',
    metrics: { messages_sent: 1, messages_received: 2, errors: 0, uptime_seconds: 3 },
  });

function service(shed = false) {
  vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const tenants = new Map([['acme', { id: 'acme', tier: 'professional' } as Tenant]]);
  const directory = { get: (id: string) => tenants.get(id) } as unknown as TenantDirectory;
  const deliveries = new HeartbeatDeliveries();
  const writer = {
    enqueue: () => !shed,
    countDelivered: (tenantId: string, bytes: number) => deliveries.add(tenantId, bytes),
  } as unknown as PresenceWriter;
  const rejections = new HeartbeatRejections();
  return { heartbeats: new HeartbeatService(directory, writer, rejections), deliveries, rejections };
}

describe('HeartbeatService: deliveries to Pulse (pd_m, pd_b)', () => {
  it('counts every heartbeat on a known tenant’s subject, accepted or rejected, with its wire bytes', () => {
    const { heartbeats, deliveries } = service();
    heartbeats.ingest('_HEARTBEAT.tenant.acme.client.c1', body('acme', 'c1'), NOW, 150); // accepted
    heartbeats.ingest('_HEARTBEAT.tenant.acme.client.c1', body('acme', 'c1'), NOW, 150); // accepted (supersedes)
    heartbeats.ingest('_HEARTBEAT.tenant.acme.client.c2', encode('{not json'), NOW, 29); // invalid_json
    heartbeats.ingest('_HEARTBEAT.tenant.acme.client.c3', body('acme', 'other'), NOW, 140); // subject_mismatch
    heartbeats.ingest(`_HEARTBEAT.tenant.acme.client.${'x'.repeat(65)}`, encode('{}'), NOW, 2); // invalid_subject
    heartbeats.ingest('_HEARTBEAT.tenant.acme.client.c4', encode('{}'), NOW); // no wire bytes given: the payload's
    expect([...deliveries.take()]).toEqual([['acme', { messages: 6, bytes: 150 + 150 + 29 + 140 + 2 + 2 }]]);
    expect(heartbeats.stats().accepted).toBe(2);
  });

  it('counts a heartbeat shed for a full buffer (the server delivered it)', () => {
    const { heartbeats, deliveries, rejections } = service(true);
    heartbeats.ingest('_HEARTBEAT.tenant.acme.client.c1', body('acme', 'c1'), NOW, 99);
    expect(deliveries.take().get('acme')).toEqual({ messages: 1, bytes: 99 });
    expect(rejections.counts()).toEqual({ shed: 1 });
  });

  it('cannot attribute a heartbeat of an unknown tenant or an unreadable tenant token: not counted', () => {
    const { heartbeats, deliveries, rejections } = service();
    heartbeats.ingest('_HEARTBEAT.tenant.ghost.client.c1', body('ghost', 'c1'), NOW, 150);
    heartbeats.ingest('_HEARTBEAT.tenant.a*b.client.c1', encode('{}'), NOW, 2);
    expect(deliveries.isEmpty).toBe(true);
    expect(rejections.counts()).toEqual({ unknown_tenant: 1, invalid_subject: 1 });
  });
});
