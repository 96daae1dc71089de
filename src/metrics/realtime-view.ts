import type { Tier } from '../common/tiers.js';
import { entitled } from '../common/entitlements.js';
import { estimateCardinality } from '../monitoring/subject-sketch.js';
import { LATENCY_BUCKETS, percentile } from '../common/latency-histogram.js';
import type { RawRealtime } from './metrics.repository.js';
import { COUNTER_FIELDS as F, secondField } from '../history/counter-schema.js';

export interface Counter {
  total: number;
  today: number;
  lastMinute: number;
  perSecond: number;
}

/** `GET /metrics/realtime` (README.md, API overview; the OpenAPI document). Fields a tier may not see are absent. */
export interface RealtimeView {
  tenantId: string;
  tier: Tier;
  generatedAt: string;
  messages: Counter;
  bytes: Counter;
  clients: { active: number; total: number };
  throughput?: { mbps: number };
  latencyMs?: { p50: number; p95: number; p99: number; samples: number };
  subjects?: { distinct: number; top: { subject: string; messages: number; bytes: number }[] };
  /**
   * Present when latency and subject figures were taken from a sample of the messages (the
   * tenant's `sampling`, or automatic at high rates): the share of the realtime minutes' messages
   * they come from. Message and byte counts are exact either way.
   */
  sampling?: { fraction: number };
  errorRate?: number;
  anomalies?: { open: number };
  /** Enterprise: the tenant's custom metrics (last complete minute, today so far). */
  custom?: CustomMetricSummary[];
  /** Asked with `recent=true`: the rates of the last minutes. */
  recent?: RecentRates;
}

export interface CustomMetricSummary {
  id: string;
  name: string;
  unit: string | null;
  aggregation: string;
  /** The metric over the last complete UTC minute (null: nothing to aggregate). */
  lastMinute: number | null;
  /** count and sum: lastMinute per second. */
  perSecond?: number;
  /** The metric over today (UTC) so far. */
  today: number | null;
  /** Today's matching messages whose value could not be read / whose payload was too large to parse. */
  unparsable: number;
  tooLarge: number;
}

/** Minutes of latency samples merged into the realtime percentiles. */
export const LATENCY_WINDOW_MINUTES = 5;
/** Seconds averaged for perSecond. */
export const RATE_WINDOW_SECONDS = 10;
export const TOP_SUBJECTS = 10;

const int = (value: string | undefined) => (value ? Number(value) : 0);
const round = (value: number, digits: number) => Number(value.toFixed(digits));

export interface RealtimeInputs {
  tenantId: string;
  tier: Tier;
  now: number;
  /** Seconds ending at or before this one are complete on every instance. */
  lastCompleteSecond: number;
  raw: RawRealtime;
  clients: { active: number; total: number };
  openAnomalies: number;
}

/** Minute epochs a realtime read needs: the current one and the LATENCY_WINDOW_MINUTES - 1 before. */
export function realtimeMinutes(now: number): number[] {
  const current = Math.floor(now / 60_000) * 60;
  return Array.from({ length: LATENCY_WINDOW_MINUTES }, (_, i) => current - 60 * i);
}

function secondCount(raw: RawRealtime, field: 'm' | 'b', epochSecond: number): number {
  const minute = raw.minutes.get(epochSecond - (epochSecond % 60));
  return minute ? int(minute[secondField(field, epochSecond % 60)]) : 0;
}

/** The average per second over the RATE_WINDOW_SECONDS seconds ending with `end` (perSecond's rate). */
function windowRate(raw: RawRealtime, field: 'm' | 'b', end: number): number {
  let window = 0;
  for (let s = end - RATE_WINDOW_SECONDS + 1; s <= end; s++) window += secondCount(raw, field, s);
  return round(window / RATE_WINDOW_SECONDS, 2);
}

function counter(inputs: RealtimeInputs, field: 'm' | 'b'): Counter {
  const { raw, now, lastCompleteSecond } = inputs;
  const nowSecond = Math.floor(now / 1000);
  let lastMinute = 0;
  for (let s = nowSecond - 59; s <= nowSecond; s++) lastMinute += secondCount(raw, field, s);
  return {
    total: int(raw.totals[field]),
    today: int(raw.today[field]),
    lastMinute,
    perSecond: windowRate(raw, field, lastCompleteSecond),
  };
}

/** The message and byte rates of the last minutes: `times` (epoch s) each window's end. */
export interface RecentRates {
  times: number[];
  messages: number[];
  bytes: number[];
}

/**
 * The rates of the realtime minutes already read (`GET /metrics/realtime?recent=true`, so a live
 * chart starts filled), oldest first: one every RATE_WINDOW_SECONDS, each the average of its window
 * as perSecond is, the last one the window perSecond reports; none before the first minute read.
 */
export function recentRates(raw: RawRealtime, now: number, lastCompleteSecond: number): RecentRates {
  const earliest = Math.min(...realtimeMinutes(now));
  const ends: number[] = [];
  for (let end = lastCompleteSecond; end - RATE_WINDOW_SECONDS + 1 >= earliest; end -= RATE_WINDOW_SECONDS)
    ends.unshift(end);
  return {
    times: ends.map((end) => end + 1),
    messages: ends.map((end) => windowRate(raw, 'm', end)),
    bytes: ends.map((end) => windowRate(raw, 'b', end)),
  };
}

export function buildRealtimeView(inputs: RealtimeInputs): RealtimeView {
  const { raw, tier } = inputs;
  const view: RealtimeView = {
    tenantId: inputs.tenantId,
    tier,
    generatedAt: new Date(inputs.now).toISOString(),
    messages: counter(inputs, 'm'),
    bytes: counter(inputs, 'b'),
    clients: inputs.clients,
  };
  if (entitled(tier, 'realtimeDetail')) {
    const histogram = new Array<number>(LATENCY_BUCKETS).fill(0);
    for (const minute of raw.minutes.values()) {
      for (const [field, value] of Object.entries(minute)) {
        if (field.startsWith('l:')) histogram[Number(field.slice(2))] += Number(value);
      }
    }
    const samples = histogram.reduce((a, b) => a + b, 0);
    view.throughput = { mbps: round((view.bytes.perSecond * 8) / 1e6, 3) };
    view.latencyMs = {
      p50: round(percentile(histogram, 0.5), 2),
      p95: round(percentile(histogram, 0.95), 2),
      p99: round(percentile(histogram, 0.99), 2),
      samples,
    };
    const estimate = raw.sketch ? estimateCardinality(raw.sketch) : 0;
    view.subjects = { distinct: Math.max(estimate, raw.storedSubjects), top: raw.topSubjects };
    const fraction = sampledFraction(raw);
    if (fraction < 1) view.sampling = { fraction };
  }
  if (entitled(tier, 'errorRate')) view.errorRate = errorRateOf(raw);
  if (entitled(tier, 'anomalies')) view.anomalies = { open: inputs.openAnomalies };
  return view;
}

/** Errors over messages sent + received, as heartbeats report them, over the realtime minutes. */
export function errorRateOf(raw: RawRealtime): number {
  let errors = 0;
  let traffic = 0;
  for (const minute of raw.minutes.values()) {
    errors += int(minute[F.heartbeatErrors]);
    traffic += int(minute[F.heartbeatSent]) + int(minute[F.heartbeatReceived]);
  }
  return traffic > 0 ? round(errors / traffic, 4) : 0;
}

/** Share of the realtime minutes' messages that the latency and subject statistics saw (1: all). */
export function sampledFraction(raw: RawRealtime): number {
  let messages = 0;
  let skipped = 0;
  for (const minute of raw.minutes.values()) {
    messages += int(minute[F.messages]);
    skipped += int(minute[F.sampledOut]);
  }
  return messages > 0 && skipped > 0 ? round((messages - skipped) / messages, 4) : 1;
}
