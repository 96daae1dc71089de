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
//                 HeartbeatService.ingest → PresenceWriter, flushed after every FLUSH_EVERY
//                 heartbeats (the writer's 100 ms timer at FLUSH_EVERY × 10 heartbeats/s): the
//                 flush builds each tenant's PresenceRepository.applyHeartbeats call (keys and
//                 arguments, chunks of HEARTBEATS_PER_CALL) and reads its reply.
// Redis is never reached: the traffic flusher is a stand-in that is not called; the presence
// writer's Redis client is bench/redis-stand-in.mjs, which answers the script calls in memory with
// the reply Redis gives in the steady state (no I/O, no ioredis encoding or parsing counted).
// Usage: node bench/instructions-subscriber.mjs SIDE STREAM URL TENANTS PREFIX [FLUSH_EVERY=2000]
// BENCH_TIER (default basic): the tenants' tier; enterprise runs the per-client behaviour path.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import { HEARTBEAT_PATTERN, TICK_SUBJECT, tenantIds } from './nats-replay.mjs';
import { HEARTBEAT_LAYOUT, redisStandIn } from './redis-stand-in.mjs';

const [side, stream, url, tenantCount, prefix, flushEveryArg] = process.argv.slice(2);
const flushEvery = Number(flushEveryArg ?? 2000);
const tenants = tenantIds(Number(tenantCount));
const QUEUE = 'bench-instructions';
const TIER = process.env.BENCH_TIER ?? 'basic';

/** Waits for the parent's line, then prints what `report()` resolves to as JSON and exits. */
function reportWhenTold(report) {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', async () => {
    console.log(JSON.stringify(await report()));
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
  // One shard owning every tenant, as Pulse runs by default.
  const { TenantShards } = await import('../dist/tenants/tenant-shards.js');
  // What the directory and the tap read of a tenant record.
  const record = (id) => ({ id, name: id, tier: TIER, status: 'active', sampling: 0, retentionDays: null });
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
      TenantShards,
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
  const { PresenceRepository } = await import('../dist/heartbeat/presence.repository.js');
  const scripts = await import('../dist/heartbeat/presence-scripts.js');
  const { REDIS_CLIENT } = await import('../dist/redis/redis-client.js');
  const { RedisKeys } = await import('../dist/redis/redis-keys.js');
  const { TenantFence } = await import('../dist/redis/tenant-fence.js');
  const options = await pulseOptions();
  // The repository and the fence as Pulse has them, on a Redis client that answers in memory.
  // Builds that add up the enterprise per-client figures in Pulse get them in the script's reply.
  const addsUpActivity = existsSync(new URL('../dist/heartbeat/client-activity.js', import.meta.url));
  const redis = redisStandIn(
    {
      ...HEARTBEAT_LAYOUT,
      fixed: scripts.HEARTBEAT_FIXED_ARGS ?? HEARTBEAT_LAYOUT.fixed,
      stride: scripts.HEARTBEAT_STRIDE ?? HEARTBEAT_LAYOUT.stride,
    },
    { activity: TIER === 'enterprise' && addsUpActivity },
  );
  const { moduleRef, standIns } = await pulseContainer(
    [
      HeartbeatSubscriber,
      HeartbeatService,
      HeartbeatRejections,
      PresenceWriter,
      PresenceRepository,
      TenantFence,
      { provide: RedisKeys, useValue: new RedisKeys(options.redis.keyPrefix) },
      { provide: REDIS_CLIENT, useValue: redis },
    ],
    options,
  );
  const subscriber = moduleRef.get(HeartbeatSubscriber);
  const service = moduleRef.get(HeartbeatService);
  const writer = moduleRef.get(PresenceWriter);
  // The writer's 100 ms timer, in step with the stream instead of the clock: a flush after every
  // FLUSH_EVERY heartbeats the service took (the heartbeats of 100 ms at FLUSH_EVERY × 10 /s).
  let taken = 0;
  let flushes = 0;
  const ingest = service.ingest;
  service.ingest = (subject, data, receivedAt, wireBytes) => {
    ingest.call(service, subject, data, receivedAt, wireBytes);
    if (++taken === flushEvery) {
      taken = 0;
      flushes++;
      void writer.flush();
    }
  };
  // Its own connection and subscription, as at Pulse's bootstrap (the replay may start at once);
  // the writer's timer is not started.
  await subscriber.onApplicationBootstrap();
  return async () => {
    await writer.flush();
    const { pending, superseded, written, failedWrites, transitions } = writer.snapshot();
    return {
      received: subscriber.receivedCount(),
      ...service.stats(),
      pending,
      superseded,
      written,
      failedWrites,
      transitions,
      flushes,
      redisCalls: Object.fromEntries(redis.calls),
      redisHeartbeats: redis.heartbeats,
      standIns,
    };
  };
}

const report = side === 'bare' ? await bare() : stream === 'messages' ? await pulseMessages() : await pulseHeartbeats();
reportWhenTold(report);
console.error('subscribed');
