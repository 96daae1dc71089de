import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it, vi } from 'vitest';
import { defaultPulseOptions } from '../config/env.validation.js';
import { RETENTION } from '../common/retention.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import type { Delivered } from './heartbeat-deliveries.js';
import type { Heartbeat } from './heartbeat-parser.js';
import { HeartbeatRejections } from './heartbeat-rejections.js';
import type { PresenceEventsPublisher } from './presence-events.publisher.js';
import type { PresenceRepository } from './presence.repository.js';
import { HEARTBEATS_PER_CALL, PresenceWriter } from './presence-writer.js';

const NOW = Date.UTC(2026, 10, 28, 18, 0, 0);
const hb = (tenantId: string, clientId: string): Heartbeat => ({
  tenantId,
  clientId,
  status: 'healthy',
  timestamp: NOW,
  sent: 0,
  received: 0,
  errors: 0,
  uptimeSeconds: 0,
});

/** A writer over a fake store that records what each call carried, failing the tenants in `failing`. */
function writer(failing = new Set<string>()) {
  vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const calls: { call: 'heartbeats' | 'rejections'; tenantId: string; n: number; delivered: Delivered }[] = [];
  const store = {
    applyHeartbeats: (tenantId: string, batch: unknown[], _r: unknown, _t: unknown, delivered: Delivered) => {
      calls.push({ call: 'heartbeats', tenantId, n: batch.length, delivered });
      if (failing.has(tenantId)) return Promise.reject(new Error('down'));
      return Promise.resolve(batch.map(() => ({ transition: '', previousStatus: null })));
    },
    addRejections: (tenantId: string, _m: number, byReason: Map<string, number>, _r: unknown, delivered: Delivered) => {
      calls.push({ call: 'rejections', tenantId, n: byReason.size, delivered });
      return failing.has(tenantId) ? Promise.reject(new Error('down')) : Promise.resolve();
    },
  } as unknown as PresenceRepository;
  const directory = { retentionOf: () => RETENTION.professional } as unknown as TenantDirectory;
  const rejections = new HeartbeatRejections();
  const w = new PresenceWriter(
    store,
    { publish: () => undefined } as unknown as PresenceEventsPublisher,
    rejections,
    { status: 'ready' } as unknown as RedisClient,
    { doesExist: () => false } as unknown as SchedulerRegistry,
    directory,
    defaultPulseOptions(),
  );
  return { w, calls, rejections };
}

describe('PresenceWriter: heartbeats delivered to Pulse (pd_m, pd_b)', () => {
  it('carries a tenant’s deliveries on its first heartbeat call, a tenant with none on its rejections’ write', async () => {
    const { w, calls, rejections } = writer();
    for (let i = 0; i <= HEARTBEATS_PER_CALL; i++) {
      w.enqueue(hb('a', `c${i}`), NOW, 'professional'); // two calls for tenant a
      w.countDelivered('a', 100);
    }
    w.countDelivered('a', 50); // a superseded or rejected heartbeat: delivered all the same
    w.countDelivered('b', 30); // b: rejected only
    rejections.record('invalid_json', 'x', '_HEARTBEAT.tenant.b.client.c', 'b');
    await w.flush();
    expect(calls).toEqual([
      { call: 'heartbeats', tenantId: 'a', n: HEARTBEATS_PER_CALL, delivered: { messages: 202, bytes: 20_150 } },
      { call: 'heartbeats', tenantId: 'a', n: 1, delivered: { messages: 0, bytes: 0 } },
      { call: 'rejections', tenantId: 'b', n: 1, delivered: { messages: 1, bytes: 30 } },
    ]);
    calls.length = 0;
    await w.flush();
    expect(calls).toEqual([]); // written once
  });

  it('keeps a failed write’s deliveries for the next run, and only that tenant’s', async () => {
    const failing = new Set(['a', 'b']);
    const { w, calls } = writer(failing);
    w.enqueue(hb('a', 'c1'), NOW, 'professional');
    w.countDelivered('a', 100);
    w.countDelivered('b', 30);
    w.countDelivered('c', 7);
    await w.flush();
    failing.clear();
    calls.length = 0;
    w.countDelivered('b', 30);
    await w.flush();
    // a's heartbeat came back with its deliveries; b's add up; c's were written the first time.
    expect(calls).toEqual([
      { call: 'heartbeats', tenantId: 'a', n: 1, delivered: { messages: 1, bytes: 100 } },
      { call: 'rejections', tenantId: 'b', n: 0, delivered: { messages: 2, bytes: 60 } },
    ]);
  });

  it('the final flush retries deliveries not yet written (no heartbeat pending) until they are', async () => {
    const failing = new Set(['b']);
    const { w, calls } = writer(failing);
    w.countDelivered('b', 30);
    setTimeout(() => failing.clear(), 30);
    await w.close();
    expect(calls.map((c) => c.delivered)).toEqual([
      { messages: 1, bytes: 30 },
      { messages: 1, bytes: 30 },
    ]);
  });
});
