import { percentile } from '../common/latency-histogram.js';
import type { DetectorConfig, Sensitivity } from '../config/detector-config.js';
import type { WindowFigures } from './detectors.js';
import { closeWindow, initialPipelineState, pipelineConfig, PULSE_SERIES_RESOLUTION } from './window-pipeline.js';

/** One stored hour of a tenant's history, as the analytics rollups keep it. */
export interface StoredHour {
  /** Start of the hour (ms). */
  at: number;
  messages: number;
  bytes: number;
  activeClients: number;
  /** Latency histogram bucket counts. */
  latency: ArrayLike<number>;
}

export interface BacktestAnomaly {
  detectedAt: string;
  type: string;
  severity: string;
  score: number;
  summary: string;
  details: Record<string, unknown>;
}

const HOUR = 3_600_000;
const NO_FIGURES: Omit<WindowFigures, 'messages'> = {
  sent: 0,
  received: 0,
  errors: 0,
  rejected: 0,
  newDistinct: 0,
  patterns: [],
  offline: {},
};

/**
 * Runs the detection pipeline (`closeWindow`, as the scheduled job does) over stored hourly
 * history and returns what would have opened. Hours before the tenant's first traffic are skipped;
 * nothing is stored or sent. Subjects, heartbeat errors and rejections are not kept per hour, so
 * the rules that need them (unusual subject, error rate, flapping, security) cannot be replayed.
 */
export function backtest(
  hours: StoredHour[],
  sensitivity: Sensitivity,
  rules: Partial<DetectorConfig> = {},
): { windows: number; anomalies: BacktestAnomaly[] } {
  const config = pipelineConfig(HOUR, sensitivity, rules, 'all', PULSE_SERIES_RESOLUTION);
  const first = hours.findIndex((h) => h.messages > 0);
  if (first < 0) return { windows: 0, anomalies: [] };
  let state = initialPipelineState();
  const anomalies: BacktestAnomaly[] = [];
  for (const hour of hours.slice(first)) {
    const samples = Array.from(hour.latency).reduce((a, b) => a + b, 0);
    const result = closeWindow(
      'backtest',
      state,
      {
        at: hour.at,
        figures: { ...NO_FIGURES, messages: hour.messages },
        series: {
          messages: hour.messages,
          bytes: hour.bytes,
          active_clients: hour.activeClients,
          latency_p95: samples > 0 ? percentile(hour.latency, 0.95) : null,
        },
      },
      config,
    );
    state = result.state;
    for (const o of result.opened) {
      anomalies.push({
        detectedAt: new Date(hour.at + HOUR).toISOString(),
        type: o.type,
        severity: o.severity,
        score: Number(o.score.toFixed(4)),
        summary: o.summary,
        details: o.details,
      });
    }
  }
  return { windows: hours.length - first, anomalies };
}
