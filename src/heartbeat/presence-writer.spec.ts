import { Logger } from '@nestjs/common';
import { ReplyError } from 'ioredis';
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
import type { PulseOptions } from '../config/pulse-options.js';
import type { Activity, TenantDayActivity } from './client-activity.js';
import { ShutdownClock } from '../common/shutdown-clock.js';

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

/** How a failing fake write fails: Redis answered with an error (not applied), or no answer in time (may have run). */
type Failure = 'reply' | 'timeout';
const failWith = (how: Failure) =>
  Promise.reject(how === 'reply' ? (new ReplyError('ERR down') as Error) : new Error('Command timed out'));

/**
 * A writer over a fake store that records what each call carried, failing the tenants in
 * `failing`; `duringCall` runs while a heartbeat call is in flight (before it settles).
 */
interface FakeOptions {
  how?: Failure;
  overrides?: Partial<PulseOptions>;
  duringCall?: () => void;
  /** Clients the fake Redis refuses (the tenant at its client limit). */
  refuse?: (clientId: string) => boolean;
  /** The shutdown's clock (the final flushes' shared bound). */
  clock?: ShutdownClock;
}
function writer(
  failing = new Set<string>(),
  { how = 'reply', overrides = {}, duringCall, refuse, clock }: FakeOptions = {},
) {
  vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const calls: { call: 'heartbeats' | 'rejections'; tenantId: string; n: number; delivered: Delivered }[] = [];
  const activityWrites: { tenantId: string; day: string; clients: [string, Activity][] }[] = [];
  let activityFails: Failure | null = null;
  const store = {
    applyHeartbeats: (
      tenantId: string,
      batch: { heartbeat: Heartbeat }[],
      _r: unknown,
      _t: unknown,
      delivered: Delivered,
    ) => {
      calls.push({ call: 'heartbeats', tenantId, n: batch.length, delivered });
      duringCall?.();
      if (failing.has(tenantId)) return failWith(how);
      // Every heartbeat a tracked one: 1 sent, 2 received, 0 errors, 30 s online.
      const refused = batch.flatMap((b, i) => (refuse?.(b.heartbeat.clientId) ? [i] : []));
      const activity = batch.flatMap((_b, i) => (refused.includes(i) ? [] : [i, 1, 2, 0, 30]));
      return Promise.resolve({ gone: false, transitions: [], refused, day: '2026-11-28', activity });
    },
    addClientActivity: (part: TenantDayActivity) => {
      activityWrites.push({ tenantId: part.tenantId, day: part.day, clients: [...part.clients] });
      return activityFails ? failWith(activityFails) : Promise.resolve();
    },
    addRejections: (tenantId: string, _m: number, byReason: Map<string, number>, _r: unknown, delivered: Delivered) => {
      calls.push({ call: 'rejections', tenantId, n: byReason.size, delivered });
      return failing.has(tenantId) ? failWith(how) : Promise.resolve();
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
    { ...defaultPulseOptions(), ...overrides },
    clock,
  );
  return {
    w,
    calls,
    rejections,
    activityWrites,
    failActivity: (how: Failure | null) => {
      activityFails = how;
    },
  };
}

describe('PresenceWriter: the final flush (close)', () => {
  it('writes what it holds even when the shutdown has used the shared bound before it', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const clock = new ShutdownClock();
    clock.start(Date.now() - 11_500); // the drains and the tap's flush took the 11 s
    const { w, calls } = writer(new Set(), { clock });
    w.enqueue(hb('a', 'c1'), NOW, 'professional');
    w.enqueue(hb('a', 'c2'), NOW, 'professional');
    await w.close();
    expect(calls.filter((c) => c.call === 'heartbeats').reduce((n, c) => n + c.n, 0)).toBe(2);
    expect(w.snapshot().pending).toBe(0);
  });

  it('writes the rejections its last run found (client_limit) before it ends', async () => {
    const { w, calls, rejections } = writer(new Set(), { refuse: (id) => id.startsWith('new') });
    w.enqueue(hb('a', 'known'), NOW, 'professional');
    w.enqueue(hb('a', 'new1'), NOW, 'professional');
    await w.close();
    expect(calls.filter((c) => c.call === 'rejections')).toEqual([expect.objectContaining({ tenantId: 'a', n: 1 })]);
    expect(rejections.takePending().size).toBe(0);
  });
});

describe('PresenceWriter: the tenant client limit', () => {
  it('counts a heartbeat Redis refused (a new client beyond MAX_CLIENTS_PER_TENANT) as rejected client_limit for its tenant, not written', async () => {
    const { w, rejections } = writer(new Set(), { refuse: (id) => id.startsWith('new') });
    w.enqueue(hb('a', 'known'), NOW, 'professional');
    w.enqueue(hb('a', 'new1'), NOW, 'professional');
    w.enqueue(hb('a', 'new2'), NOW, 'professional');
    await w.flush();
    expect(rejections.counts()).toEqual({ client_limit: 2 });
    expect(rejections.takePending()).toEqual(new Map([['a', new Map([['client_limit', 2]])]]));
    expect(w.snapshot().written).toBe(1);
  });
});

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
      {
        call: 'heartbeats',
        tenantId: 'a',
        n: HEARTBEATS_PER_CALL,
        delivered: {
          messages: HEARTBEATS_PER_CALL + 2,
          bytes: (HEARTBEATS_PER_CALL + 1) * 100 + 50,
        },
      },
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

describe('PresenceWriter: bounded under a Redis stall', () => {
  it('sends at most presenceFlushLimit heartbeats per run, oldest first; the rest wait for the next run', async () => {
    const { w, calls } = writer(new Set(), { overrides: { presenceFlushLimit: 500 } });
    for (let i = 0; i < 1200; i++) w.enqueue(hb('a', `c${i}`), NOW + i, 'professional');
    w.enqueue(hb('a', 'c0'), NOW + 5000, 'professional'); // superseded: keeps its place (oldest)
    await w.flush();
    expect(calls.reduce((n, c) => n + c.n, 0)).toBe(500);
    expect(w.snapshot().pending).toBe(700);
    await w.flush();
    await w.flush();
    expect(calls.reduce((n, c) => n + c.n, 0)).toBe(1200);
    expect(w.snapshot()).toMatchObject({ pending: 0, written: 1200 });
  });

  it('behind (a full run written), starts the next run at once instead of at the next 100 ms tick', async () => {
    const { w, calls } = writer(new Set(), { overrides: { presenceFlushLimit: 500 } });
    for (let i = 0; i < 1200; i++) w.enqueue(hb('a', `c${i}`), NOW + i, 'professional');
    // One flush and no timer (onModuleInit is not called here): the backlog drains by itself.
    await w.flush();
    await vi.waitFor(() => expect(w.snapshot()).toMatchObject({ pending: 0, written: 1200 }), { timeout: 1000 });
    expect(calls.map((c) => c.n)).toEqual([500, 500, 200]);
  });

  it('does not chain runs while writes fail, nor once closing has begun', async () => {
    const { w, calls } = writer(new Set(['a']), { overrides: { presenceFlushLimit: 10 } });
    for (let i = 0; i < 30; i++) w.enqueue(hb('a', `c${i}`), NOW + i, 'professional');
    await w.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.call === 'heartbeats')).toHaveLength(1); // waits for the timer to retry
  });

  it('re-buffers failed heartbeats only within presenceBufferLimit, counting what it sheds', async () => {
    let arriving = 0;
    const { w } = writer(new Set(['a']), {
      overrides: { presenceBufferLimit: 100 },
      // While the write is in flight, 100 other clients fill the buffer again.
      duringCall: () => {
        for (; arriving < 100; arriving++) w.enqueue(hb('a', `new${arriving}`), NOW, 'professional');
      },
    });
    for (let i = 0; i < 100; i++) w.enqueue(hb('a', `old${i}`), NOW, 'professional');
    await w.flush();
    expect(w.snapshot().pending).toBeLessThanOrEqual(100);
    expect(w.snapshot().shed).toBe(100);
  });

  it('does not put back the deliveries of a write that timed out (it may have run); a refused one’s it does', async () => {
    const failing = new Set(['a', 'b']);
    const { w, calls } = writer(failing, { how: 'timeout' });
    w.enqueue(hb('a', 'c1'), NOW, 'professional');
    w.countDelivered('a', 100);
    w.countDelivered('b', 30);
    await w.flush();
    failing.clear();
    calls.length = 0;
    await w.flush();
    // The heartbeat is re-sent (cumulative state: the script counts it once); the delivery counts are not.
    expect(calls).toEqual([{ call: 'heartbeats', tenantId: 'a', n: 1, delivered: { messages: 0, bytes: 0 } }]);
    expect(w.snapshot().unconfirmedDeliveries).toBe(2);
  });
});

describe('PresenceWriter: enterprise per-client figures added up in memory', () => {
  it('adds a client’s figures up across runs and writes them per interval and on close, once', async () => {
    const { w, activityWrites } = writer(new Set(), { overrides: { clientActivityFlushMs: 3_600_000 } });
    for (let run = 0; run < 3; run++) {
      w.enqueue(hb('a', 'c1'), NOW + run, 'enterprise');
      w.enqueue(hb('a', 'c2'), NOW + run, 'enterprise');
      await w.flush();
    }
    expect(activityWrites).toEqual([]);
    await w.close();
    expect(activityWrites).toEqual([
      {
        tenantId: 'a',
        day: '2026-11-28',
        clients: [
          ['c1', [3, 6, 0, 90]],
          ['c2', [3, 6, 0, 90]],
        ],
      },
    ]);
  });

  it('puts back figures Redis refused; drops (and counts) those of a write that timed out', async () => {
    const { w, activityWrites, failActivity } = writer(new Set(), { overrides: { clientActivityFlushMs: 0 } });
    failActivity('reply');
    w.enqueue(hb('a', 'c1'), NOW, 'enterprise');
    await w.flush();
    failActivity(null);
    w.enqueue(hb('a', 'c1'), NOW + 1, 'enterprise');
    await w.flush();
    expect(activityWrites.map((x) => x.clients)).toEqual([[['c1', [1, 2, 0, 30]]], [['c1', [2, 4, 0, 60]]]]);
    failActivity('timeout');
    w.enqueue(hb('a', 'c1'), NOW + 2, 'enterprise');
    await w.flush();
    failActivity(null);
    await w.flush();
    expect(activityWrites).toHaveLength(3);
    expect(w.snapshot().unconfirmedActivity).toBe(1);
  });
});
