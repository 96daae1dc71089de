import { describe, expect, it } from 'vitest';
import { fromAnomaly, fromLimit, fromPresence } from './event.js';

describe('webhook events from their sources', () => {
  it('maps presence transitions and connection events to client.* and connection.*', () => {
    const at = '2026-12-07T00:00:00.000Z';
    expect(
      fromPresence({
        type: 'status_changed',
        tenantId: 't',
        clientId: 'c',
        status: 'degraded',
        previousStatus: 'healthy',
        at,
      }),
    ).toEqual({
      type: 'client.status_changed',
      tenantId: 't',
      clientId: 'c',
      at,
      data: { status: 'degraded', previousStatus: 'healthy' },
    });
    const connection = { cid: 7, reason: 'Client Closed' };
    expect(fromPresence({ type: 'disconnected', tenantId: 't', clientId: null, connection, at })).toEqual({
      type: 'connection.closed',
      tenantId: 't',
      clientId: null,
      at,
      data: { connection },
    });
    expect(fromPresence({ type: 'connected', tenantId: 't', clientId: 'c', connection, at }).type).toBe(
      'connection.opened',
    );
  });

  it('maps anomalies and limit crossings, without the anomaly details', () => {
    const anomaly = {
      id: 'a1',
      type: 'traffic_spike',
      severity: 'high',
      status: 'resolved',
      summary: 's',
      details: { secret: 1 },
      detectedAt: '2026-12-07T00:00:00.000Z',
      resolvedAt: '2026-12-07T00:05:00.000Z',
    } as const;
    const resolved = fromAnomaly('t', 'resolved', anomaly as never);
    expect(resolved.type).toBe('anomaly.resolved');
    expect(resolved.at).toBe(anomaly.resolvedAt);
    expect(JSON.stringify(resolved.data)).not.toContain('secret');
    const crossing = {
      id: 't:connections:warning:1',
      tenantId: 't',
      limit: 'connections',
      level: 'warning',
      event: 'opened',
      used: 80,
      max: 100,
      utilisation: 0.8,
      at: '2026-12-07T00:00:00.000Z',
    } as const;
    expect(fromLimit(crossing as never)).toMatchObject({
      type: 'limit.opened',
      clientId: null,
      data: { crossing: { used: 80 } },
    });
  });
});
