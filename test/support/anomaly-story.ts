import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import type { Anomaly } from '../../src/anomalies/anomaly.js';
import { initialSeriesState, learnWindow, seriesModelConfig } from '../../src/anomalies/series-model.js';
import { anomalyId, initialPipelineState } from '../../src/anomalies/window-pipeline.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/config/detector-config.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { sendHeartbeat } from './heartbeats.js';
import { type CreatedTenant, realtimeTotal } from './http.js';
import { type RunningPulse, waitFor } from './pulse-app.js';
import { publishMany } from './traffic.js';

/**
 * A warm messages model of `windowsLearnt` windows of about `usual` messages (±10 %, fixed
 * pattern), stored as the tenant's detection state the way the detection job stores it. The
 * state's window index is set far ahead, so the running job leaves the state alone (a window it
 * would close is "already closed") for the length of a test.
 */
export async function storeWarmModel(pulse: RunningPulse, tenantId: string, usual: number, until: number) {
  const windowMs = pulse.options.anomalyWindowMs;
  const config = {
    ...seriesModelConfig(windowMs, 'medium', DEFAULT_DETECTOR_CONFIG.warmupWindows),
    resolution: 1,
  };
  let messages = initialSeriesState();
  const windowsLearnt = 400;
  const first = Math.floor(until / windowMs) * windowMs - windowsLearnt * windowMs;
  for (let i = 0; i < windowsLearnt; i++) {
    const value = Math.round(usual * (1 + 0.1 * Math.sin(i * 1.7)));
    messages = learnWindow(messages, first + i * windowMs, value, config);
  }
  const repository = pulse.app.get(AnomalyRepository);
  const ahead = Math.floor(Date.now() / windowMs) + 100_000;
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await repository.loadDetection(tenantId);
    const state = { pipeline: { ...initialPipelineState(), series: { messages } }, last: null, pending: [] };
    if (await repository.saveDetection(tenantId, stored?.window ?? null, ahead, state)) return;
  }
  throw new Error('the detection state could not be stored');
}

/** A spike on messages opened at the end of the window `windowStart` begins, stored as the job stores it. */
export async function storeSpike(
  pulse: RunningPulse,
  tenantId: string,
  windowStart: number,
  figures: { value: number; expected: number; lower: number; upper: number },
): Promise<Anomaly> {
  const windowMs = pulse.options.anomalyWindowMs;
  const at = new Date(windowStart + windowMs).toISOString();
  const anomaly: Anomaly = {
    id: anomalyId(tenantId, 'stat:messages', windowStart),
    type: 'spike',
    severity: 'warning',
    status: 'open',
    summary: `messages ${figures.value} in the window, expected about ${figures.expected}`,
    details: { metric: 'messages', detector: 'spike', score: 0.9995, ...figures },
    detectedAt: at,
    resolvedAt: null,
  };
  await pulse.app.get(AnomalyRepository).save(tenantId, anomaly);
  return anomaly;
}

/**
 * The story both story tests read: in the current window a subject quiet so far
 * (`payments.retry`, 300 messages) carries most of the traffic beside `orders.created` (20), a
 * client `worker-1` is first seen, the messages model learnt about 50 a window, and a spike
 * (320, expected 50, range 40–60) is stored for the window.
 */
export async function burstAndSpike(pulse: RunningPulse, nc: NatsConnection, tenant: CreatedTenant): Promise<Anomaly> {
  const windowMs = pulse.options.anomalyWindowMs;
  const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
  await publishMany(nc, 20, () => `tenant.${tenant.id}.orders.created`);
  await publishMany(nc, 300, () => `tenant.${tenant.id}.payments.retry`);
  sendHeartbeat(nc, tenant.id, 'worker-1');
  await waitFor(
    () => realtimeTotal(pulse.url, tenant.apiKey),
    (n) => n === 320,
  );
  await storeWarmModel(pulse, tenant.id, 50, windowStart);
  return storeSpike(pulse, tenant.id, windowStart, { value: 320, expected: 50, lower: 40, upper: 60 });
}
