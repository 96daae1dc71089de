import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../../src/anomalies/anomaly.js';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { AdvisoriesService } from '../../src/jetstream/advisories.service.js';
import { JETSTREAM_READER, type JetStreamReader, type TenantJetStream } from '../../src/jetstream/jetstream.types.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { awayFromWindowBoundary } from '../support/windows.js';
import { type CreatedTenant, createTenant } from '../support/http.js';
import { consumerFigures, streamFigures } from '../support/jetstream.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher } from '../support/traffic.js';

const WINDOW_MS = 3_600_000;
/** The suite's worst duration plus slack: no window boundary may fall inside the run. */
const BOUNDARY_MARGIN_MS = 180_000;
const STREAM = `JSB_${Date.now().toString(36)}`;

/** What the fake poller last saw: set by the test before each window. */
let view: TenantJetStream | null = null;
let tenantId = '';

const reader: JetStreamReader = {
  current: (id) => Promise.resolve(id === tenantId ? view : null),
  history: () => Promise.resolve([]),
  worst: () => Promise.resolve([]),
  status: () => ({ state: 'ok', lastPollAt: null, unowned: 0 }),
  owners: () => Promise.resolve(new Map([[STREAM, tenantId]])),
};

function poll(i: number, pending: number, ackFloorSeq: number, fill: number): TenantJetStream {
  const consumer = consumerFigures(STREAM, 'worker', pending, ackFloorSeq, { ackRate: 0 });
  const stream = streamFigures(STREAM, `tenant.${tenantId}.orders.>`, fill);
  return {
    tenantId,
    polledAt: new Date(Date.UTC(2026, 0, 1) + i * 15_000).toISOString(),
    streams: [stream],
    consumers: [consumer],
    omitted: { streams: 0, consumers: 0 },
  };
}

/**
 * The anomaly job with the JetStream families wired in: a fake reader (the poller's last view,
 * set per window) and a max-deliveries advisory published on the shared NATS, counted by the
 * subscriber. Windows are closed by calling the job with a clock whose last window is the real one
 * the advisory arrives in.
 */
describe('JetStream anomalies through the window pipeline (real NATS and Redis, fake reader)', () => {
  const options = testOptions({
    anomalyWindowMs: WINDOW_MS,
    anomalyDetectors: { stallWindows: 2 },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let t: CreatedTenant;
  const events: AnomalyEvent[] = [];
  /** The real window the advisories arrive in: set after the wait away from a window boundary. */
  let base: number;
  /** Closes window `k` (the job closes the last one that ended by `now`). */
  const close = (k: number) => pulse.app.get(AnomalyDetectionJob).run((k + 1) * WINDOW_MS + 5000);

  beforeAll(async () => {
    await awayFromWindowBoundary(WINDOW_MS, BOUNDARY_MARGIN_MS);
    base = Math.floor(Date.now() / WINDOW_MS);
    // The fake replaces JetStreamModule's reader wherever a module imports it.
    pulse = await startPulse(options, { overrides: [{ provide: JETSTREAM_READER, useValue: reader }] });
    nc = await publisher();
    t = await createTenant(pulse.url, uniqueTenantId('jsanomaly'), 'enterprise');
    tenantId = t.id;
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    nc.subscribe(`_PULSE.tenant.${t.id}.anomaly`, { callback: (_e, m) => void events.push(m.json<AnomalyEvent>()) });
  }, BOUNDARY_MARGIN_MS + 60_000);

  afterAll(async () => {
    await nc?.close();
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it('opens consumer_stalled, redelivery_storm and stream_near_limit naming the stream and consumer; each resolves when its condition ends', async () => {
    await close(base - 3); // first sight: the counters are remembered
    view = poll(1, 10, 5, 0.5);
    await close(base - 2);
    view = poll(2, 20, 5, 0.6);
    await close(base - 1);

    // A poison message reached its max deliveries now (window `base`).
    nc.publish(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAM}.worker`,
      JSON.stringify({
        type: 'io.nats.jetstream.advisory.v1.max_deliver',
        id: 'x',
        timestamp: new Date().toISOString(),
        stream: STREAM,
        consumer: 'worker',
        stream_seq: 42,
        deliveries: 5,
      }),
    );
    const advisories = pulse.app.get(AdvisoriesService);
    await waitFor(
      async () => {
        await advisories.flush();
        return (await advisories.read(t.id, base * WINDOW_MS)).maxDeliveries.size;
      },
      (n) => n === 1,
    );
    view = poll(3, 30, 5, 0.95);
    expect(await close(base)).toBe(3);
    await waitFor(
      () => Promise.resolve(events.length),
      (n) => n >= 3,
    );
    const opened = events.filter((e) => e.event === 'opened').map((e) => e.anomaly);
    expect(opened.map((a) => a.type).sort()).toEqual(['consumer_stalled', 'redelivery_storm', 'stream_near_limit']);
    for (const a of opened) {
      expect(a.details.stream).toBe(STREAM);
      expect(a.summary).toContain(STREAM);
    }
    const stalled = opened.find((a) => a.type === 'consumer_stalled')!;
    expect(stalled.details).toMatchObject({ consumer: 'worker', pending: 30, windows: 2 });
    expect(stalled.summary).toContain('worker');
    expect(opened.find((a) => a.type === 'redelivery_storm')!.details).toMatchObject({
      consumer: 'worker',
      maxDeliveries: 1,
      lastStreamSeq: 42,
    });

    // The consumer acks again and drains, no advisory, the stream is emptied below the keep level.
    view = poll(4, 0, 35, 0.5);
    await close(base + 1);
    await waitFor(
      () => Promise.resolve(events.filter((e) => e.event === 'resolved').length),
      (n) => n >= 3,
    );
    const resolved = events.filter((e) => e.event === 'resolved').map((e) => e.anomaly);
    expect(resolved.map((a) => a.id).sort()).toEqual(opened.map((a) => a.id).sort());
  });
});
