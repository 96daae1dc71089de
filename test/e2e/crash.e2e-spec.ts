import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { runBuilt, untilLive, type BuiltProcess } from '../support/built-pulse.js';
import { freePort, startRedisServer, type ServerProcess } from '../support/processes.js';
import { realtimeTotal, request } from '../support/http.js';
import {
  ADMIN_KEY,
  deletePrefix,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniquePrefix,
  uniqueTenantId,
  waitFor,
  type RunningPulse,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

/**
 * What a crash (SIGKILL) of one instance loses: the counts it held in memory and had not yet
 * written, that is at most what it received since its last acknowledged flush (one flush
 * interval plus the flush's own time), and everything it held while Redis was not answering.
 * The killed instance is `node dist/main.js`; the survivor runs in this process so that its
 * share is known exactly (TrafficAggregator.stats). Nothing may be counted twice, and the
 * survivor loses nothing. The measured losses are logged (docs/reliability.md quotes them).
 */
describe('crash of an instance (SIGKILL)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  });

  /** The built service as the victim, sharing the survivor's prefix, queue group and subjects. */
  async function victim(env: Record<string, string>): Promise<{ proc: BuiltProcess; url: string }> {
    const port = await freePort();
    const proc = runBuilt({ ADMIN_API_KEY: ADMIN_KEY, PORT: String(port), LOG_LEVEL: 'warn', ...env });
    cleanups.push(() => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    });
    const url = `http://127.0.0.1:${port}`;
    const live = await untilLive(url, proc.child);
    if (live !== 200) throw new Error(`victim did not start: ${proc.output().slice(-2000)}`);
    return { proc, url };
  }

  /** The tenant's stored total; -1 while the API cannot answer (Redis resuming). */
  const stored = async (url: string, key: string) => (await realtimeTotal(url, key)) ?? -1;

  async function kill(proc: BuiltProcess): Promise<void> {
    proc.child.kill('SIGKILL');
    await proc.exit;
  }

  /** Publishes `batches` × `perBatch` at a steady pace; calls `during` after `afterBatches`. */
  async function paced(
    nc: NatsConnection,
    subject: string,
    batches: number,
    perBatch: number,
    afterBatches: number,
    during: () => Promise<void>,
  ): Promise<void> {
    for (let b = 0; b < batches; b++) {
      if (b === afterBatches) await during();
      await publishMany(nc, perBatch, (i) => `${subject}.s${i % 4}`, 50);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function setup(redisUrl = SHARED_REDIS, extra: Record<string, string> = {}) {
    const prefix = uniquePrefix();
    const options = testOptions({
      tenantSubjectPrefix: prefix,
      flushIntervalMs: 1000,
      nats: { queueGroup: prefix },
      redis: { keyPrefix: prefix, url: redisUrl, commandTimeoutMs: 1000 },
    });
    cleanups.push(() => deletePrefix(redisUrl, prefix));
    const survivor: RunningPulse = await startPulse(options);
    cleanups.push(() => survivor.close());
    const dead = await victim({
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      NATS_QUEUE_GROUP: prefix,
      TENANT_SUBJECT_PREFIX: prefix,
      FLUSH_INTERVAL_MS: '1000',
      TENANT_SYNC_INTERVAL_MS: '1000',
      ...extra,
    });
    const id = uniqueTenantId('crash');
    const created = await request<{ apiKey: string }>(survivor.url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN_KEY,
      body: { id },
    });
    expect(created.status).toBe(201);
    // Both instances subscribed (the victim learns of the tenant over NATS, or at its next sync).
    await waitFor(async () => survivor.app.get(MessageTap).subscribedTenants().includes(id), Boolean);
    await new Promise((r) => setTimeout(r, 1500));
    const nc = await publisher();
    cleanups.push(() => nc.close());
    return { prefix, survivor, dead, id, apiKey: created.body.apiKey, nc, subject: `${prefix}.${id}` };
  }

  it('loses at most what the killed instance received in its last flush interval (plus the flush); nothing doubled, the survivor loses nothing', async () => {
    const { survivor, dead, apiKey, nc, subject } = await setup();
    const sent = 40 * 500; // 5,000 msgs/s for 4 s, half to each instance until the kill
    const aggregator = survivor.app.get(TrafficAggregator);
    const started = performance.now();
    let victimRate = 0;
    await paced(nc, subject, 40, 500, 20, async () => {
      // What the victim has taken so far (10,000 published, the rest went to the survivor), and
      // so its rate: the bound below is that rate over one flush interval plus the flush's time.
      const victimSoFar = 10_000 - aggregator.stats().messages;
      victimRate = victimSoFar / ((performance.now() - started) / 1000);
      await kill(dead.proc);
    });
    const survivorShare = aggregator.stats().messages;
    const counted = await waitFor(
      () => stored(survivor.url, apiKey),
      (n) => n >= survivorShare,
      { timeoutMs: 15_000 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    const final = await stored(survivor.url, apiKey);
    const lost = sent - final;
    // FLUSH_INTERVAL_MS (1 s) plus up to 1 s for the flush itself on this loaded 2-core machine.
    const bound = Math.ceil(victimRate * 2);
    console.log(
      `SIGKILL: sent ${sent}, stored ${final}, lost ${lost}, survivor's share ${survivorShare}, victim ${Math.round(victimRate)} msgs/s, bound ${bound}`,
    );
    expect(counted).toBeLessThanOrEqual(sent);
    expect(final).toBeLessThanOrEqual(sent); // nothing doubled
    expect(final).toBeGreaterThanOrEqual(survivorShare); // the survivor's share is all there
    expect(lost).toBeLessThanOrEqual(sent - survivorShare); // only the victim's share can be lost
    expect(victimRate).toBeGreaterThan(0);
    expect(lost).toBeLessThanOrEqual(bound);
  });

  it('with Redis not answering, a killed instance loses at most what it held; the survivor nothing', async () => {
    const redis: ServerProcess = await startRedisServer();
    cleanups.push(() => redis.kill());
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    const { survivor, dead, apiKey, nc, subject } = await setup(redisUrl);
    await publishMany(nc, 1000, (i) => `${subject}.s${i % 4}`, 50);
    await waitFor(
      () => stored(survivor.url, apiKey),
      (n) => n === 1000,
      { timeoutMs: 15_000 },
    );
    const before = survivor.app.get(TrafficAggregator).stats().messages;
    redis.pause();
    cleanups.push(() => redis.resume());
    await paced(nc, subject, 10, 500, 10, async () => undefined);
    await new Promise((r) => setTimeout(r, 1500)); // several flush attempts time out meanwhile
    await kill(dead.proc);
    redis.resume();
    const survivorHeld = survivor.app.get(TrafficAggregator).stats().messages - before;
    const final = await waitFor(
      () => stored(survivor.url, apiKey),
      (n) => n >= 1000 + survivorHeld,
      { timeoutMs: 20_000 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    const settled = await stored(survivor.url, apiKey);
    const lost = 6000 - settled;
    console.log(
      `SIGKILL while Redis paused: sent 5,000 during the pause, survivor held ${survivorHeld}, stored ${settled - 1000}, lost ${lost}`,
    );
    expect(final).toBeLessThanOrEqual(6000);
    expect(settled).toBeLessThanOrEqual(6000); // nothing doubled
    expect(settled).toBeGreaterThanOrEqual(1000 + survivorHeld); // the survivor's held counts all written
    // What the victim held is gone, but for a flush it had already sent: Redis, paused, still holds
    // the command in its socket buffer and runs it on SIGCONT (the sequence check keeps it once).
    expect(lost).toBeLessThanOrEqual(5000 - survivorHeld);
  });
});
