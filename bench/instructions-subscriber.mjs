// The process bench/instructions.mjs runs under callgrind: one NATS subscriber on the replay
// server's URL, on one stream, then, when a line arrives on stdin (the replay server has seen the
// client's PONG to its final PING, so every frame went through the subscription's callback), one
// JSON line of what it counted, and exit.
//   SIDE "bare":  @nats-io/transport-node with a callback counting messages and bytes per subject
//                 in a Map (bench/ingest-subscriber.mjs's bare mode), on every tenant's subject
//                 (messages) or on the heartbeat subject (heartbeats).
//   SIDE "pulse": messages: Pulse's MessageTap, TrafficAggregator and TenantDirectory from dist/
//                 on a connection made as Pulse makes it; each window tick drains the aggregator
//                 (what the flusher does before it writes to Redis; the write itself is not here).
//                 heartbeats: Pulse's HeartbeatSubscriber (its own connection and callback) →
//                 HeartbeatService.ingest → PresenceWriter (buffered in memory; not flushed).
// Redis is never reached: the repositories behind the flushes are stand-ins that are not called.
// Usage: node bench/instructions-subscriber.mjs SIDE STREAM URL TENANTS PREFIX
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import { HEARTBEAT_PATTERN, TICK_SUBJECT, tenantIds } from './nats-replay.mjs';

const [side, stream, url, tenantCount, prefix] = process.argv.slice(2);
const tenants = tenantIds(Number(tenantCount));
const QUEUE = 'bench-instructions';

/** Waits for the parent's line, then prints `report()` as JSON and exits. */
function reportWhenTold(report) {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', () => {
    console.log(JSON.stringify(report()));
    process.exit(0);
  });
}

async function bare() {
  const nc = await connect({ servers: url });
  const counts = new Map();
  let received = 0;
  // bench/ingest-subscriber.mjs's bare mode counts so (there with its clock around it): the reference.
  const callback = (_err, msg) => {
    received++;
    const c = counts.get(msg.subject);
    if (c) {
      c.m++;
      c.b += msg.data.length;
    } else counts.set(msg.subject, { m: 1, b: msg.data.length });
  };
  if (stream === 'messages') {
    for (const t of tenants) nc.subscribe(`${prefix}.${t}.>`, { queue: QUEUE, callback });
    nc.subscribe(TICK_SUBJECT, { callback: () => {} });
  } else {
    nc.subscribe(HEARTBEAT_PATTERN, { queue: QUEUE, callback });
  }
  await nc.flush();
  return () => ({ received, subjects: counts.size });
}

/** A Nest container of `providers` (classes from dist/) on these options and tenants; anything else they need is a stand-in. */
async function pulseContainer(providers, options) {
  const { Test } = await import('@nestjs/testing');
  const { SchedulerRegistry } = await import('@nestjs/schedule');
  const { PULSE_OPTIONS } = await import('../dist/config/pulse-options.js');
  const { TenantDirectory } = await import('../dist/tenants/tenant-directory.js');
  const { TenantRepository } = await import('../dist/tenants/tenant.repository.js');
  // What the directory and the tap read of a tenant record.
  const record = (id) => ({ id, name: id, tier: 'basic', status: 'active', sampling: 0, retentionDays: null });
  const registry = {
    listIds: async () => tenants,
    findMany: async (ids) => ids.map(record),
    find: async (id) => (tenants.includes(id) ? record(id) : null),
  };
  const standIns = [];
  const moduleRef = await Test.createTestingModule({
    providers: [
      ...providers,
      TenantDirectory,
      SchedulerRegistry,
      { provide: PULSE_OPTIONS, useValue: options },
      { provide: TenantRepository, useValue: registry },
    ],
  })
    .useMocker((token) => {
      // Repositories, publishers and clients behind flushes this process never runs.
      standIns.push(typeof token === 'function' ? token.name : String(token));
      return {};
    })
    .compile();
  // Fills the directory's active set from the registry above (what it does at bootstrap, no timer).
  const directory = moduleRef.get(TenantDirectory);
  await directory.reconcile();
  if (directory.list().length !== tenants.length) throw new Error('tenant directory not filled');
  return { moduleRef, directory, standIns };
}

async function pulseOptions() {
  const { defaultPulseOptions } = await import('../dist/config/env.validation.js');
  const defaults = defaultPulseOptions();
  return {
    ...defaults,
    nats: { ...defaults.nats, servers: [url], queueGroup: QUEUE, connectTimeoutMs: 30_000 },
    tenantSubjectPrefix: prefix,
  };
}

async function pulseMessages() {
  const { MessageTap } = await import('../dist/monitoring/message-tap.js');
  const { TrafficAggregator } = await import('../dist/monitoring/traffic-aggregator.js');
  const { TrafficFlusher } = await import('../dist/monitoring/traffic-flusher.js');
  const { NATS_CONNECTION, connectNats } = await import('../dist/nats/nats.module.js');
  const options = await pulseOptions();
  // The tap's connection, made as NatsModule makes it.
  const nats = await connectNats(options.nats, 'pulse');
  const { moduleRef, directory, standIns } = await pulseContainer(
    [MessageTap, TrafficAggregator, { provide: NATS_CONNECTION, useValue: nats }],
    options,
  );
  if (!standIns.includes(TrafficFlusher.name)) throw new Error('expected the flusher to be a stand-in');
  const tap = moduleRef.get(MessageTap);
  const aggregator = moduleRef.get(TrafficAggregator);
  // MessageTap.onModuleInit without its flush timer: the directory activates every tenant on it.
  directory.subscribe(tap);
  if (tap.subscribedTenants().length !== tenants.length) throw new Error('tap not subscribed');
  const totals = { messages: 0, latencySamples: 0, latencyMissing: 0, latencyInvalid: 0, windows: 0 };
  const perTenant = new Map();
  const take = () => {
    totals.windows++;
    for (const d of aggregator.drain()) {
      totals.messages += d.messages;
      totals.latencyMissing += d.latencyMissing;
      totals.latencyInvalid += d.latencyInvalid;
      for (const minute of d.minutes.values())
        for (const n of minute.latency?.values() ?? []) totals.latencySamples += n;
      perTenant.set(d.tenantId, (perTenant.get(d.tenantId) ?? 0) + d.messages);
    }
  };
  nats.subscribe(TICK_SUBJECT, { callback: take });
  await nats.flush();
  return () => {
    take();
    return { ...totals, tenants: perTenant.size, tap: aggregator.stats(), standIns };
  };
}

async function pulseHeartbeats() {
  const { HeartbeatSubscriber } = await import('../dist/heartbeat/heartbeat-subscriber.js');
  const { HeartbeatService } = await import('../dist/heartbeat/heartbeat.service.js');
  const { HeartbeatRejections } = await import('../dist/heartbeat/heartbeat-rejections.js');
  const { PresenceWriter } = await import('../dist/heartbeat/presence-writer.js');
  const options = await pulseOptions();
  const { moduleRef, standIns } = await pulseContainer(
    [HeartbeatSubscriber, HeartbeatService, HeartbeatRejections, PresenceWriter],
    options,
  );
  // Its own connection and subscription, as at Pulse's bootstrap; the writer's timer is not started.
  const subscriber = moduleRef.get(HeartbeatSubscriber);
  await subscriber.onApplicationBootstrap();
  const service = moduleRef.get(HeartbeatService);
  const writer = moduleRef.get(PresenceWriter);
  return () => {
    const { pending, superseded } = writer.snapshot();
    return { received: subscriber.receivedCount(), ...service.stats(), pending, superseded, standIns };
  };
}

const report = side === 'bare' ? await bare() : stream === 'messages' ? await pulseMessages() : await pulseHeartbeats();
reportWhenTold(report);
console.error('subscribed');
