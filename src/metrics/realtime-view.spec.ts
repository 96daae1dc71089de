import { describe, expect, it } from 'vitest';
import { latencyBucket } from '../common/latency-histogram.js';
import type { RawRealtime } from './metrics.repository.js';
import { buildRealtimeView, realtimeMinutes, recentRates } from './realtime-view.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 30, 500); // second 30 of minute 12:00
const NOW_S = Math.floor(NOW / 1000);
const MINUTE = Math.floor(NOW / 60_000) * 60;

function raw(): RawRealtime {
  const current: Record<string, string> = { m: '0', b: '0' };
  const previous: Record<string, string> = {};
  // 10 messages of 100 bytes in every second from NOW_S-70 to NOW_S
  for (let s = NOW_S - 70; s <= NOW_S; s++) {
    const target = s >= MINUTE ? current : previous;
    target[`m:${s % 60}`] = '10';
    target[`b:${s % 60}`] = '1000';
  }
  current[`l:${latencyBucket(20)}`] = '99';
  previous[`l:${latencyBucket(400)}`] = '1';
  return {
    totals: { m: '5000', b: '500000' },
    today: { m: '4000', b: '400000' },
    minutes: new Map([
      [MINUTE, current],
      [MINUTE - 60, previous],
    ]),
    topSubjects: [{ subject: 'tenant.acme.a', messages: 10, bytes: 1000 }],
    storedSubjects: 1,
    sketch: null,
  };
}

const inputs = (tier: 'basic' | 'professional' | 'enterprise') => ({
  tenantId: 'acme',
  tier,
  now: NOW,
  lastCompleteSecond: NOW_S - 2,
  raw: raw(),
  clients: { active: 0, total: 0 },
  openAnomalies: 2,
});

describe('realtime view', () => {
  it('computes totals, today, the last minute and the rate', () => {
    const v = buildRealtimeView(inputs('basic'));
    expect(v.messages).toEqual({ total: 5000, today: 4000, lastMinute: 600, perSecond: 10 });
    expect(v.bytes).toEqual({ total: 500000, today: 400000, lastMinute: 60000, perSecond: 1000 });
  });

  it('basic sees counts only; professional adds throughput, latency, subjects; enterprise errorRate and anomalies', () => {
    expect(Object.keys(buildRealtimeView(inputs('basic'))).sort()).toEqual([
      'bytes',
      'clients',
      'generatedAt',
      'messages',
      'tenantId',
      'tier',
    ]);
    const pro = buildRealtimeView(inputs('professional'));
    expect(pro.throughput).toEqual({ mbps: 0.008 });
    expect(pro.latencyMs!.samples).toBe(100);
    expect(pro.latencyMs!.p50).toBeCloseTo(20, -0.5);
    expect(pro.latencyMs!.p99).toBeCloseTo(20, -0.5);
    expect(pro.subjects).toEqual({ distinct: 1, top: [{ subject: 'tenant.acme.a', messages: 10, bytes: 1000 }] });
    expect(pro).not.toHaveProperty('errorRate');
    const ent = buildRealtimeView(inputs('enterprise'));
    expect(ent.errorRate).toBe(0);
    expect(ent.anomalies).toEqual({ open: 2 });
  });

  it('says when latency and subject figures come from a sample, and what share of the messages', () => {
    const unsampled = buildRealtimeView({ ...inputs('professional'), raw: raw() });
    expect(unsampled.sampling).toBeUndefined();
    const r = raw();
    const current = r.minutes.get(MINUTE)!;
    current.m = '300';
    current.skp = '270';
    r.minutes.get(MINUTE - 60)!.m = '100';
    const sampled = buildRealtimeView({ ...inputs('professional'), raw: r });
    expect(sampled.sampling).toEqual({ fraction: 0.325 }); // 130 of 400 messages
    expect(buildRealtimeView({ ...inputs('basic'), raw: r }).sampling).toBeUndefined(); // basic has no such figures
  });

  it('error rate: heartbeat-reported errors over messages sent + received', () => {
    const withErrors = inputs('enterprise');
    withErrors.raw.minutes.get(MINUTE)!.hb_sent = '900';
    withErrors.raw.minutes.get(MINUTE)!.hb_received = '100';
    withErrors.raw.minutes.get(MINUTE - 60)!.hb_errors = '50';
    expect(buildRealtimeView(withErrors).errorRate).toBe(0.05);
  });

  it('reads the current minute and the four before', () => {
    expect(realtimeMinutes(NOW)).toEqual([MINUTE, MINUTE - 60, MINUTE - 120, MINUTE - 180, MINUTE - 240]);
  });
});

describe('recent rates (a live chart starts filled)', () => {
  it('one rate every 10 s over the minutes read, each as perSecond, the last the one perSecond reports', () => {
    const r = recentRates(raw(), NOW, NOW_S - 2);
    // Windows end at NOW_S - 2, NOW_S - 12, …, none starting before the first minute read (11:56).
    expect(r.times.at(-1)).toBe(NOW_S - 1);
    expect(r.times[0] - 10).toBeGreaterThanOrEqual(Math.min(...realtimeMinutes(NOW)));
    expect(r.times).toHaveLength(26);
    for (let i = 1; i < r.times.length; i++) expect(r.times[i] - r.times[i - 1]).toBe(10);
    expect(r.messages.at(-1)).toBe(buildRealtimeView(inputs('basic')).messages.perSecond);
    // Traffic from NOW_S - 70 on: 10/s where the window is full, a part where it starts, none before.
    const at = (end: number) => r.messages[r.times.indexOf(end + 1)];
    expect(at(NOW_S - 12)).toBe(10);
    expect(at(NOW_S - 62)).toBe(9);
    expect(at(NOW_S - 72)).toBe(0);
    expect(r.bytes[r.times.indexOf(NOW_S - 11)]).toBe(1000);
  });
});
