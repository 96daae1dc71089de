import { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it } from 'vitest';
import type { PulseOptions } from '../config/pulse-options.js';
import type { Tenant } from '../tenants/tenant.js';
import { NatsEventsService } from './nats-events.service.js';
import type { UsageBatch } from './usage-batch.js';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const tenant = {
  id: 't1',
  natsAccount: null,
  natsIdentities: { accounts: [], users: ['alice'], nkeys: [] },
} as unknown as Tenant;

/** A NatsEventsService on fakes: what it writes is recorded. */
function service() {
  const written: { tenantId: string; batch: UsageBatch }[] = [];
  const redis = { down: false };
  const ops: unknown[] = [];
  const directory = {
    subscribe: () => undefined,
    list: () => [tenant],
    get: (id: string) => (id === tenant.id ? tenant : undefined),
    retentionOf: () => ({ minuteSeconds: 3600 }),
  };
  const options = {
    nats: { queueGroup: 'q' },
    natsSystem: { pollIntervalMs: 30_000, trustNames: false },
    flushIntervalMs: 1000,
  } as unknown as PulseOptions;
  const svc = new NatsEventsService(
    options,
    directory as never,
    { apply: async (_t: string, o: unknown[]) => void ops.push(...o) } as never,
    { publish: () => undefined } as never,
    {
      apply: async (tenantId: string, batch: UsageBatch) => {
        if (redis.down) throw new Error('Redis down');
        written.push({ tenantId, batch });
        return { ingress: { msgs: 0, bytes: 0 }, egress: { msgs: 0, bytes: 0 }, refusals: 0 };
      },
    } as never,
    {} as never,
    new SchedulerRegistry(),
    {} as never,
  );
  return { svc, written, ops, redis };
}

describe('NatsEventsService shutdown', () => {
  it('drains the system connection before the last flush: a disconnect delivered during the drain is written', async () => {
    const { svc, written, ops } = service();
    const disconnect = enc({
      type: 'io.nats.server.advisory.v1.client_disconnect',
      server: { id: 'NS', name: 'n1' },
      client: { id: 7, acc: 'APP', user: 'alice', start: '2026-01-01T00:00:00.000Z', stop: '2026-01-01T00:01:00.000Z' },
      sent: { msgs: 3, bytes: 30 },
      received: { msgs: 5, bytes: 50 },
      reason: 'Client Closed',
    });
    let drained = false;
    (svc as unknown as { nc: unknown }).nc = {
      drain: async () => {
        await new Promise((r) => setTimeout(r, 10));
        svc.handle({ data: disconnect, subject: '$SYS.ACCOUNT.APP.DISCONNECT' });
        drained = true;
      },
      isClosed: () => drained,
    };
    await svc.onApplicationShutdown();
    expect(drained).toBe(true);
    expect(ops).toContainEqual(expect.objectContaining({ op: 'close' }));
    expect(written).toHaveLength(1);
    expect(written[0].batch.sources.get('NS:7')).toMatchObject({
      final: true,
      counts: { ingress: { msgs: 3, bytes: 30 }, egress: { msgs: 5, bytes: 50 } },
    });
  });

  it('a drain that never ends is given up after its deadline; the flush still runs', async () => {
    const { svc, ops } = service();
    svc.handle({
      data: enc({
        type: 'io.nats.server.advisory.v1.client_connect',
        server: { id: 'NS', name: 'n1' },
        client: { id: 8, acc: 'APP', user: 'alice', start: '2026-01-01T00:00:00.000Z' },
      }),
    });
    let closed = false;
    (svc as unknown as { nc: unknown }).nc = {
      drain: () => new Promise(() => undefined),
      isClosed: () => closed,
      close: async () => {
        closed = true;
      },
    };
    (svc as unknown as { drainMs: number }).drainMs = 50;
    await svc.onApplicationShutdown();
    expect(ops).toContainEqual(expect.objectContaining({ op: 'open' }));
    // Closed without the drain: a connection left draining would keep the process alive.
    expect(closed).toBe(true);
  });

  it('drops server figures kept for retries longer than the stale window (their tombstones may be gone)', async () => {
    const { svc, written, redis } = service();
    const usage = (svc as unknown as { usageOf(t: string): UsageBatch }).usageOf('t1');
    usage.final('NS:9', { ingress: { msgs: 1, bytes: 1 }, egress: { msgs: 1, bytes: 1 } }, null);
    redis.down = true;
    await svc.flush();
    redis.down = false;
    const kept = (svc as unknown as { usage: Map<string, UsageBatch> }).usage.get('t1')!;
    expect(kept.sources.has('NS:9')).toBe(true);
    // Still within the window: written.
    await svc.flush();
    expect(written).toHaveLength(1);
    // Past it (10 min at a 30 s poll): dropped, not written.
    svc['usageOf']('t1').since = Date.now() - 601_000;
    svc['usageOf']('t1').final('NS:10', { ingress: { msgs: 1, bytes: 1 }, egress: { msgs: 1, bytes: 1 } }, null);
    await svc.flush();
    expect(written).toHaveLength(1);
  });
});
