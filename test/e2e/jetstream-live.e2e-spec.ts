import { AckPolicy, jetstream, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly, AnomalyEvent } from '../../src/anomalies/anomaly.js';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { AdvisoriesService } from '../../src/jetstream/advisories.service.js';
import { JetStreamPoller } from '../../src/jetstream/jetstream.poller.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { awayFromWindowBoundary } from '../support/windows.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import { type JetStreamServer, jetStreamPulseOptions, startJetStreamServer } from '../support/jetstream-server.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';

const WINDOW_MS = 3_600_000;
/** The suite's worst duration plus slack: no window boundary may fall inside the run. */
const BOUNDARY_MARGIN_MS = 180_000;
const ORDERS = 'ORDERS';
const POISON = 'POISON';
const SMALL = 'SMALL';
const JETSTREAM_TYPES = new Set(['consumer_stalled', 'redelivery_storm', 'stream_near_limit']);

/**
 * Issue #33's acceptance end to end: a private nats-server with JetStream and a system account,
 * the real poller, the real advisories and the real anomaly job (no fake reader). Polls are driven
 * by the test; windows are closed by calling the job with a clock whose window `base` is the real
 * one the advisories arrive in (the anomaly-windows tests' way). The poll interval is an hour: an
 * inventory change seen without a driven poll can only come from its advisory.
 */
describe('JetStream anomalies end to end (private nats-server, real poller, advisories and anomaly job)', () => {
  let js: JetStreamServer;
  let pulse: RunningPulse;
  let app: NatsConnection;
  let jsm: JetStreamManager;
  let t: CreatedTenant;
  const events: AnomalyEvent[] = [];
  /** The real window the advisories arrive in: set after the wait away from a window boundary. */
  let base: number;
  /** Closes window `k` (the job closes the last one that ended by `now`). */
  const close = (k: number) => pulse.app.get(AnomalyDetectionJob).run((k + 1) * WINDOW_MS + 5000);
  const poll = async () => expect(await pulse.app.get(JetStreamPoller).run()).toMatchObject({ state: 'ok' });
  const publish = async (subject: string, n: number) => {
    for (let i = 0; i < n; i++) await jetstream(app).publish(`tenant.${t.id}.${subject}`, `m${i}`);
  };
  /** The worker takes `n` messages and acks them when `ack`. */
  const take = async (n: number, ack: boolean) => {
    const consumer = await jetstream(app).consumers.get(ORDERS, 'worker');
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: n, expires: 2000 })) {
      got++;
      if (ack) await m.ackAck();
    }
    expect(got).toBe(n);
  };
  const anomalies = async (type: string) => {
    const res = await request<{ anomalies: Anomaly[] }>(pulse.url, 'GET', `/api/v1/metrics/anomalies?type=${type}`, {
      key: t.apiKey,
    });
    expect(res.status).toBe(200);
    return res.body.anomalies;
  };
  const jetstreamEvents = (kind: 'opened' | 'resolved') =>
    events.filter((e) => e.event === kind && JETSTREAM_TYPES.has(e.anomaly.type)).map((e) => e.anomaly);

  beforeAll(async () => {
    await awayFromWindowBoundary(WINDOW_MS, BOUNDARY_MARGIN_MS);
    base = Math.floor(Date.now() / WINDOW_MS);
    js = await startJetStreamServer();
    pulse = await startPulse(
      testOptions({
        ...jetStreamPulseOptions(js.url),
        anomalyWindowMs: WINDOW_MS,
        anomalyDetectors: { stallWindows: 2 },
      }),
    );
    t = await createTenant(pulse.url, uniqueTenantId('js-live'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    app = await connect(js.app);
    app.subscribe(`_PULSE.tenant.${t.id}.anomaly`, { callback: (_e, m) => void events.push(m.json<AnomalyEvent>()) });
    jsm = await jetstreamManager(app);
    await jsm.streams.add({ name: ORDERS, subjects: [`tenant.${t.id}.orders.>`] });
    await jsm.consumers.add(ORDERS, { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
    await jsm.streams.add({ name: POISON, subjects: [`tenant.${t.id}.poison`] });
    await jsm.consumers.add(POISON, {
      durable_name: 'picky',
      ack_policy: AckPolicy.Explicit,
      max_deliver: 2,
      ack_wait: 1_000_000_000,
    });
    await jsm.streams.add({ name: SMALL, subjects: [`tenant.${t.id}.small`], max_msgs: 100 });
  }, BOUNDARY_MARGIN_MS + 60_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await pulse?.close();
    await js?.server.kill();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it('a consumer that stops acking, a poison message and a nearly full stream open their anomalies, naming them', async () => {
    await close(base - 3); // first sight: the counters are remembered
    // The worker takes and acks 5 of 10, then stops acking while work keeps arriving.
    await publish('orders.new', 10);
    await take(5, true);
    await poll();
    await close(base - 2);
    await publish('orders.new', 10);
    await poll();
    await close(base - 1);
    await publish('orders.new', 10);

    // A poison message nak'ed until the server gives up on it (max_deliver 2): its advisory now (window `base`).
    await publish('poison', 1);
    const picky = await jetstream(app).consumers.get(POISON, 'picky');
    for (let round = 0; round < 3; round++) {
      for await (const m of await picky.fetch({ max_messages: 1, expires: 1000 })) m.nak();
    }
    const advisories = pulse.app.get(AdvisoriesService);
    const counted = await waitFor(
      async () => {
        await advisories.flush();
        return (await advisories.read(t.id, base * WINDOW_MS)).maxDeliveries.size;
      },
      (n) => n === 1,
    );
    expect(counted, 'the max-deliveries advisory is counted for the tenant').toBe(1);
    // The small stream filled to 95 of its 100 messages.
    await publish('small', 95);
    await poll();
    await close(base);

    await waitFor(
      () => Promise.resolve(jetstreamEvents('opened').length),
      (n) => n >= 3,
    );
    const opened = jetstreamEvents('opened');
    expect(opened.map((a) => a.type).sort()).toEqual(['consumer_stalled', 'redelivery_storm', 'stream_near_limit']);
    const stalled = opened.find((a) => a.type === 'consumer_stalled')!;
    expect(stalled.details).toMatchObject({
      stream: ORDERS,
      consumer: 'worker',
      pending: 25,
      ackFloorSeq: 5,
      windows: 2,
    });
    expect(stalled.summary).toContain(`Consumer worker of stream ${ORDERS}`);
    const storm = opened.find((a) => a.type === 'redelivery_storm')!;
    expect(storm.details).toMatchObject({ stream: POISON, consumer: 'picky', maxDeliveries: 1, lastStreamSeq: 1 });
    expect(storm.summary).toContain(`Consumer picky of stream ${POISON}`);
    const full = opened.find((a) => a.type === 'stream_near_limit')!;
    expect(full.details).toMatchObject({ stream: SMALL, limit: 'messages', messages: 95, maxMessages: 100 });
    expect(full.summary).toContain(`Stream ${SMALL} is 95 % full`);
    // The tenant API says the same.
    for (const a of opened) {
      const listed = (await anomalies(a.type)).find((x) => x.id === a.id);
      expect(listed, a.type).toMatchObject({ status: 'open', details: a.details, summary: a.summary });
    }
  });

  it('each resolves when its condition ends: the worker drains, a quiet window, the stream purged', async () => {
    await take(25, true);
    await jsm.streams.purge(SMALL);
    await poll();
    await close(base + 1);
    await waitFor(
      () => Promise.resolve(jetstreamEvents('resolved').length),
      (n) => n >= 3,
    );
    const opened = jetstreamEvents('opened');
    expect(opened).toHaveLength(3);
    expect(
      jetstreamEvents('resolved')
        .map((a) => a.id)
        .sort(),
    ).toEqual(opened.map((a) => a.id).sort());
    for (const a of opened) {
      expect((await anomalies(a.type)).find((x) => x.id === a.id)?.status, a.type).toBe('resolved');
    }
  });

  it('a stream created or deleted shows in the inventory within seconds, by its advisory (no poll driven)', async () => {
    const names = async () =>
      (
        await request<{ streams: { name: string }[] }>(pulse.url, 'GET', '/api/v1/metrics/jetstream', {
          key: t.apiKey,
        })
      ).body.streams.map((s) => s.name);
    await jsm.streams.add({ name: 'LATE', subjects: [`tenant.${t.id}.late`] });
    await jsm.consumers.add('LATE', { durable_name: 'once', ack_policy: AckPolicy.Explicit, max_deliver: 1 });
    expect(await waitFor(names, (n) => n.includes('LATE'), { timeoutMs: 5000 })).toContain('LATE');
    // A poison message at once: its advisory is the tenant's (the owners the early poll stored).
    await jetstream(app).publish(`tenant.${t.id}.late`, 'poison');
    const once = await jetstream(app).consumers.get('LATE', 'once');
    // The server gives up at the next pull after the nak.
    for (let round = 0; round < 2; round++) {
      for await (const m of await once.fetch({ max_messages: 1, expires: 1000 })) m.nak();
    }
    const advisories = pulse.app.get(AdvisoriesService);
    const window = base * WINDOW_MS;
    const counted = await waitFor(
      async () => {
        await advisories.flush();
        return (await advisories.read(t.id, window)).maxDeliveries.has('LATE/once');
      },
      Boolean,
      { timeoutMs: 3000 },
    );
    expect(counted, `LATE/once counted (${JSON.stringify(advisories.status())})`).toBe(true);
    await jsm.streams.delete('LATE');
    expect(await waitFor(names, (n) => !n.includes('LATE'), { timeoutMs: 5000 })).not.toContain('LATE');
  });
});
