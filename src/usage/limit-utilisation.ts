// Every limit's use, utilisation, level and forecast, from what was read of a tenant (issue #34). Pure: no I/O.
import type { LimitName } from '../common/limits.js';
import type { LimitThresholds } from '../config/pulse-options.js';
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import type { TenantJetStream } from '../jetstream/jetstream.types.js';
import type { ServerSnapshot } from '../nats-events/server-usage.types.js';
import {
  countSeries,
  type FittedForecast,
  fitGauge,
  fitQuota,
  gaugeReach,
  gaugeSeries,
  quotaReach,
} from './limit-forecast.js';
import type { ResolvedLimit } from './limit-values.js';
import { fieldOf } from './usage-figures.js';
import type { LimitForecast, LimitUtilisation, UsageFigures } from './usage.types.js';
import { levelOf, utilisationOf } from './utilisation.js';

/** A tenant's JetStream use: bytes by storage type, streams and consumers. */
export interface JetStreamUse {
  memory: number;
  storage: number;
  streams: number;
  consumers: number;
}

/**
 * The JetStream use of a tenant's attributed streams (the one-account shape) at the JetStream
 * poll: bytes of the streams the poll kept (the fullest, then the largest, at most
 * JETSTREAM_MAX_STREAMS_PER_TENANT) by storage type (a view polled before the type was stored:
 * file), every stream and every consumer (those left out by the bounds counted).
 */
export function jetstreamUseOf(view: TenantJetStream): JetStreamUse {
  let memory = 0;
  let storage = 0;
  for (const s of view.streams) {
    if (s.storage === 'memory') memory += s.bytes;
    else storage += s.bytes;
  }
  return {
    memory,
    storage,
    streams: view.streams.length + view.omitted.streams,
    consumers: view.consumers.length + view.omitted.consumers,
  };
}

/** What is used of a limit now and at most today; null: not measured (no server figures for it). */
export interface Use {
  used: number | null;
  peakToday: number | null;
}

/** What one reading of a tenant holds, for its limits' use. */
export interface UseInputs {
  /** The tenant's latest server snapshot (null: none). */
  snapshot: ServerSnapshot | null;
  /** Whether the server's counters are gathered (a system account): the data limit's use is measured. */
  serverCounters: boolean;
  /** JetStream use (accounts: the snapshot's; subjects: the poll's attributed streams); null: not measured. */
  jetstream: JetStreamUse | null;
  /** Today's day hash. */
  today: Record<string, string>;
  /** This month's figures; null: not read (no monthly limit has a value): data and monthly messages not measured. */
  month: UsageFigures | null;
}

/**
 * Every limit's use: connections and subscriptions now from the snapshot, their peak today the
 * day's stored peak (`cn_pk`, `sub_pk`, sampled by the usage job every pass) or the value now if
 * higher (subscriptions: the most on one connection, as nats-server 2.9.10 applies the limit);
 * the payload today's largest message (`pl_max`, peak and use alike); data the month's
 * bytes in and out as the server counts them; JetStream now (no peak stored: the peak is the value
 * now); the monthly messages the month's published count. Cumulative limits peak at their use.
 */
export function useOf(inputs: UseInputs): Map<LimitName, Use> {
  const { snapshot, today, month, jetstream } = inputs;
  const gauge = (now: number | undefined, peakField: string): Use => {
    const stored = fieldOf(today, peakField);
    if (now === undefined) return { used: null, peakToday: stored };
    return { used: now, peakToday: Math.max(now, stored ?? 0) };
  };
  const same = (v: number | null): Use => ({ used: v, peakToday: v });
  const largest = fieldOf(today, F.largestMessage) ?? 0;
  return new Map<LimitName, Use>([
    ['connections', gauge(snapshot?.connections, F.connectionsPeak)],
    ['subscriptions', gauge(snapshot?.subscriptions, F.subscriptionsPeak)],
    ['payload', same(largest)],
    ['data', same(inputs.serverCounters && month ? month.ingress.bytes + month.egress.bytes : null)],
    ['jetstreamMemory', same(jetstream?.memory ?? null)],
    ['jetstreamStorage', same(jetstream?.storage ?? null)],
    ['jetstreamStreams', same(jetstream?.streams ?? null)],
    ['jetstreamConsumers', same(jetstream?.consumers ?? null)],
    ['monthlyMessages', same(month ? month.published.messages : null)],
  ]);
}

/**
 * Every limit's utilisation (in LIMIT_NAMES' order, as `limits` lists them), without forecasts.
 * A use not measured reads 0 with a null utilisation (and level `ok`): without server figures
 * nothing is known to be near a limit.
 */
export function utilisationsOf(
  limits: ReadonlyMap<LimitName, ResolvedLimit>,
  use: ReadonlyMap<LimitName, Use>,
  thresholds: LimitThresholds,
): LimitUtilisation[] {
  return [...limits].map(([limit, { max, source }]) => {
    const u = use.get(limit) ?? { used: null, peakToday: null };
    const utilisation = utilisationOf(u.used, max);
    return {
      limit,
      max,
      source,
      used: u.used ?? 0,
      utilisation,
      peakToday: u.peakToday ?? u.used ?? 0,
      peakUtilisation: utilisationOf(u.peakToday ?? u.used, max),
      level: levelOf(utilisation, thresholds),
      forecast: null,
    };
  });
}

/** Limits whose forecast comes from an hourly series (the others have none). */
export const FORECAST_LIMITS: ReadonlySet<LimitName> = new Set<LimitName>([
  'connections',
  'subscriptions',
  'jetstreamMemory',
  'jetstreamStorage',
  'data',
  'monthlyMessages',
]);

/** A tenant's complete hours as the forecasts take them, oldest first (each value: that hour's). */
export interface HourlySeries {
  /** The hour's most connections and subscriptions (`cn_pk`, `sub_pk`); null: not measured that hour. */
  connections: (number | null)[];
  subscriptions: (number | null)[];
  /** The hour's JetStream bytes stored on average (`js_bmin` ÷ 60, memory and file together); null: not measured. */
  jetstreamBytes: (number | null)[];
  /** The hour's server bytes in and out (`sv_in_b` + `sv_out_b`). */
  data: number[];
  /** The hour's published messages (`m`). */
  messages: number[];
}

/** The series of `hours` (hour hashes, oldest first): what the forecasts need, a few numbers an hour. */
export function hourlySeriesOf(hours: readonly Record<string, string>[]): HourlySeries {
  const num = (h: Record<string, string>, f: string) => fieldOf(h, f) ?? 0;
  return {
    connections: hours.map((h) => fieldOf(h, F.connectionsPeak)),
    subscriptions: hours.map((h) => fieldOf(h, F.subscriptionsPeak)),
    jetstreamBytes: hours.map((h) => {
      const byteMinutes = fieldOf(h, F.jetstreamByteMinutes);
      return byteMinutes === null ? null : byteMinutes / 60;
    }),
    data: hours.map((h) => num(h, F.serverIngressBytes) + num(h, F.serverEgressBytes)),
    messages: hours.map((h) => num(h, F.messages)),
  };
}

/** The series a forecast is fitted on (JetStream memory and storage share the bytes together). */
export type SeriesName = keyof HourlySeries;

/** The fits of a tenant's series in one hour, by series (null: too few hours), filled as asked. */
export type SeriesFits = Map<SeriesName, FittedForecast | null>;

const SERIES_OF: ReadonlyMap<LimitName, SeriesName> = new Map<LimitName, SeriesName>([
  ['connections', 'connections'],
  ['subscriptions', 'subscriptions'],
  ['jetstreamMemory', 'jetstreamBytes'],
  ['jetstreamStorage', 'jetstreamBytes'],
  ['data', 'data'],
  ['monthlyMessages', 'messages'],
]);

/** The fit of one series (gauges and counts as limit-forecast takes them), from `fits` when there. */
function fitOf(series: HourlySeries, name: SeriesName, fits: SeriesFits, nowMs: number): FittedForecast | null {
  if (fits.has(name)) return fits.get(name)!;
  const fit =
    name === 'data' || name === 'messages'
      ? fitQuota(countSeries(series[name]), nowMs)
      : fitGauge(gaugeSeries(series[name]));
  fits.set(name, fit);
  return fit;
}

/**
 * When a limit is forecast to be reached, from the tenant's complete hours (`series`, ending with
 * the hour before `nowMs`'s): connections and subscriptions from the hours' peaks; JetStream
 * memory and storage from the hours' stored bytes (memory and file together) times the type's
 * share of the bytes now; data and the monthly messages as a quota to the month's end. Null
 * without a limit, without a measured use, for the limits with no series (payload, JetStream
 * streams and consumers), or with fewer than 3 hours. `fits`: the series' fits
 * of this hour, kept with the series (filled here): only the use now and the limit are applied per call.
 */
export function forecastOf(
  u: LimitUtilisation,
  series: HourlySeries,
  jetstream: JetStreamUse | null,
  nowMs: number,
  fits: SeriesFits = new Map(),
): LimitForecast | null {
  const name = SERIES_OF.get(u.limit);
  if (u.max === null || u.utilisation === null || name === undefined) return null;
  const fit = fitOf(series, name, fits, nowMs);
  switch (u.limit) {
    case 'jetstreamMemory':
    case 'jetstreamStorage': {
      const total = (jetstream?.memory ?? 0) + (jetstream?.storage ?? 0);
      return gaugeReach(fit, u.used, u.max, nowMs, total > 0 ? u.used / total : 1);
    }
    case 'data':
    case 'monthlyMessages':
      return quotaReach(fit, u.used, u.max, nowMs);
    default:
      return gaugeReach(fit, u.used, u.max, nowMs);
  }
}
