import { describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../common/limits.js';
import { NO_TENANT_LIMITS } from '../tenants/tenant.js';
import { consumerFigures } from '../../test/support/jetstream.js';
import { streamFigures } from '../../test/support/jetstream-fake.js';
import { serverSnapshot } from '../../test/support/server-usage-fake.js';
import { forecastOf, hourlySeriesOf, jetstreamUseOf, useOf, utilisationsOf } from './limit-utilisation.js';
import { resolveLimits } from './limit-values.js';
import { usageOf } from './usage-figures.js';

const thresholds = { warning: 0.8, critical: 0.95 };
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 10, 10, 20);
const month = usageOf([{ m: '900', sv_in_b: '600', sv_out_b: '3000' }]);

describe("a tenant's limits: use, utilisation, level", () => {
  it('JetStream use of the attributed streams: bytes by storage (absent: file), every stream and consumer counted', () => {
    const view = {
      tenantId: 'a',
      polledAt: new Date(NOW).toISOString(),
      streams: [
        { ...streamFigures('F', ['tenant.a.f'], 10, 1000), storage: 'file' as const },
        { ...streamFigures('M', ['tenant.a.m'], 10, 300), storage: 'memory' as const },
        streamFigures('OLD', ['tenant.a.o'], 10, 50),
      ],
      consumers: [consumerFigures('F', 'c1', 0, 1), consumerFigures('M', 'c2', 0, 1)],
      omitted: { streams: 2, consumers: 5 },
    };
    expect(jetstreamUseOf(view)).toEqual({ memory: 300, storage: 1050, streams: 5, consumers: 7 });
  });

  it('4 of 5 connections is 80 %: warning; peak today the stored peak or the value now if higher', () => {
    const use = useOf({
      snapshot: serverSnapshot('a', { connections: 4, subscriptions: 19 }),
      serverCounters: true,
      jetstream: null,
      today: { cn_pk: '3', sub_pk: '20', pl_max: '512' },
      month,
    });
    const limits = resolveLimits(null, {
      limits: { ...NO_TENANT_LIMITS, connections: 5, subscriptions: 20, payload: 1024, data: 4000 },
      monthlyMessageQuota: 1000,
    });
    const byName = new Map(utilisationsOf(limits, use, thresholds).map((u) => [u.limit, u]));
    expect(byName.get('connections')).toEqual({
      limit: 'connections',
      max: 5,
      source: 'tenant',
      used: 4,
      utilisation: 0.8,
      peakToday: 4,
      peakUtilisation: 0.8,
      level: 'warning',
      forecast: null,
    });
    expect(byName.get('subscriptions')).toMatchObject({
      used: 19,
      utilisation: 0.95,
      peakToday: 20,
      level: 'critical',
    });
    expect(byName.get('payload')).toMatchObject({ used: 512, utilisation: 0.5, peakToday: 512, level: 'ok' });
    // Data: the month's bytes in and out as the server counts them.
    expect(byName.get('data')).toMatchObject({ used: 3600, utilisation: 0.9, level: 'warning' });
    expect(byName.get('monthlyMessages')).toMatchObject({ used: 900, utilisation: 0.9, peakToday: 900 });
    // No limit: no utilisation, level ok, the use still shown.
    expect(byName.get('jetstreamStorage')).toMatchObject({ max: null, source: 'none', utilisation: null, level: 'ok' });
  });

  it("accounts: the claims' values and the snapshot's JetStream use", () => {
    const snapshot = serverSnapshot('a', {
      shape: 'account',
      connections: 5,
      jetstream: { memory: 10, storage: 900, streams: 3, consumers: 4 },
      claims: { ...NO_LIMITS, connections: 5, jetstreamStorage: 1000, jetstreamStreams: 3 },
    });
    const use = useOf({ snapshot, serverCounters: true, jetstream: snapshot.jetstream, today: {}, month });
    const limits = resolveLimits(snapshot.claims, { limits: NO_TENANT_LIMITS, monthlyMessageQuota: null });
    const byName = new Map(utilisationsOf(limits, use, thresholds).map((u) => [u.limit, u]));
    expect(byName.get('connections')).toMatchObject({ source: 'account', utilisation: 1, level: 'critical' });
    expect(byName.get('jetstreamStorage')).toMatchObject({ used: 900, utilisation: 0.9, level: 'warning' });
    expect(byName.get('jetstreamStreams')).toMatchObject({ used: 3, utilisation: 1 });
  });

  it("`subs` caps each connection (nats-server 2.9.10): the snapshot's subscriptions are the busiest connection's, against the claim", () => {
    // 5 connections of 1 subscription each under `subs: 3`: the snapshot holds 1 (the most on one
    // connection, nats-events), the day's stored peak of it 2.
    const snapshot = serverSnapshot('a', {
      shape: 'account',
      connections: 5,
      subscriptions: 1,
      claims: { ...NO_LIMITS, connections: 10, subscriptions: 3 },
    });
    const use = useOf({ snapshot, serverCounters: true, jetstream: null, today: { sub_pk: '2' }, month });
    const limits = resolveLimits(snapshot.claims, { limits: NO_TENANT_LIMITS, monthlyMessageQuota: null });
    expect(utilisationsOf(limits, use, thresholds).find((u) => u.limit === 'subscriptions')).toMatchObject({
      max: 3,
      source: 'account',
      used: 1,
      utilisation: 0.3333,
      peakToday: 2,
      level: 'ok',
    });
  });

  it('without server figures connections, subscriptions, data and JetStream are not measured: 0, no utilisation, ok', () => {
    const use = useOf({ snapshot: null, serverCounters: false, jetstream: null, today: { cn_pk: '7' }, month });
    const limits = resolveLimits(null, {
      limits: { ...NO_TENANT_LIMITS, connections: 5, data: 10, jetstreamMemory: 1 },
      monthlyMessageQuota: 1000,
    });
    const byName = new Map(utilisationsOf(limits, use, thresholds).map((u) => [u.limit, u]));
    // The day's stored peak is still what it is.
    expect(byName.get('connections')).toMatchObject({ used: 0, utilisation: null, peakToday: 7, level: 'ok' });
    expect(byName.get('connections')!.peakUtilisation).toBe(1.4);
    expect(byName.get('data')).toMatchObject({ used: 0, utilisation: null, level: 'ok' });
    expect(byName.get('jetstreamMemory')).toMatchObject({ used: 0, utilisation: null, level: 'ok' });
    // The tap's figures are measured whatever the system account.
    expect(byName.get('monthlyMessages')).toMatchObject({ used: 900, utilisation: 0.9 });
  });

  it('forecasts: connections from the hours’ peaks, data and messages as a quota, none for the payload', () => {
    // 30 complete hours, the connections' peak rising one an hour (1..30), 100 messages and 1,000 bytes each.
    const hours = Array.from({ length: 30 }, (_, i) => ({
      cn_pk: String(i + 1),
      m: '100',
      sv_in_b: '400',
      sv_out_b: '600',
    }));
    const use = useOf({
      snapshot: serverSnapshot('a', { connections: 30 }),
      serverCounters: true,
      jetstream: null,
      today: {},
      month: usageOf(hours),
    });
    const limits = resolveLimits(null, {
      limits: { ...NO_TENANT_LIMITS, connections: 42, data: 40_000, payload: 10 },
      monthlyMessageQuota: 10_000,
    });
    const byName = new Map(utilisationsOf(limits, use, thresholds).map((u) => [u.limit, u]));
    const at = (h: number) => new Date(Math.floor(NOW / HOUR) * HOUR + h * HOUR).toISOString();
    expect(forecastOf(byName.get('connections')!, hourlySeriesOf(hours), null, NOW)).toEqual({
      reachedAt: at(11),
      earliest: at(11),
      latest: at(11),
      method: 'holt',
      horizonHours: 168,
    });
    // 30,000 bytes used, 1,000 an hour: 10,000 more pass 40,000 in the 11th hour (the first counting 40 minutes).
    expect(forecastOf(byName.get('data')!, hourlySeriesOf(hours), null, NOW)).toMatchObject({
      reachedAt: at(11),
      method: 'quota',
    });
    // 3,000 messages used, 100 an hour: 7,000 more take 70 hours.
    expect(forecastOf(byName.get('monthlyMessages')!, hourlySeriesOf(hours), null, NOW)).toMatchObject({
      reachedAt: at(71),
    });
    expect(forecastOf(byName.get('payload')!, hourlySeriesOf(hours), null, NOW)).toBeNull();
    // No limit: no forecast.
    expect(forecastOf(byName.get('subscriptions')!, hourlySeriesOf(hours), null, NOW)).toBeNull();
  });

  it("JetStream storage's forecast: the hours' stored bytes times the file share of the bytes now", () => {
    // js_bmin / 60 = bytes stored on average: 1,000 rising 100 an hour; a quarter of them in memory now.
    const hours = Array.from({ length: 10 }, (_, i) => ({ js_bmin: String((1000 + 100 * i) * 60) }));
    const jetstream = { memory: 475, storage: 1425, streams: 1, consumers: 0 };
    const use = useOf({ snapshot: null, serverCounters: true, jetstream, today: {}, month });
    const limits = resolveLimits(null, {
      limits: { ...NO_TENANT_LIMITS, jetstreamStorage: 2250 },
      monthlyMessageQuota: null,
    });
    const storage = utilisationsOf(limits, use, thresholds).find((u) => u.limit === 'jetstreamStorage')!;
    // File share 0.75: the series 750, 825, … 1,425; 2,250 is 825 above, 11 steps of 75.
    const f = forecastOf(storage, hourlySeriesOf(hours), jetstream, NOW)!;
    expect(f.reachedAt).toBe(new Date(Math.floor(NOW / HOUR) * HOUR + 10 * HOUR).toISOString());
  });
});
