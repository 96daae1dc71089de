// The anomaly rules' thresholds (PulseOptions.anomalyDetectors overrides any of them) and the
// statistical detector's sensitivity levels a tenant may choose. Plain data: the detectors in
// `anomalies/` read it, configuration and tenants name it without depending on the detectors.
/** How readily the statistical detector opens an anomaly (tail probabilities in `series-model.ts`). */
export const SENSITIVITIES = ['low', 'medium', 'high'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export interface DetectorConfig {
  /** Windows of history before rate, drop, subject and security detectors may fire (≤ 30). */
  warmupWindows: number;
  /** Windows a condition must stay clear before its anomaly resolves (≤ 10). */
  holdDownWindows: number;
  /** EWMA weight of a new window in a baseline. */
  alpha: number;
  spikeFactor: number;
  /** A spike needs at least this many messages in the window (1 → 10 is not an incident). */
  minSpikeMessages: number;
  /** Traffic below this fraction of the baseline … */
  dropFraction: number;
  /** … for this many windows in a row is a drop … */
  dropWindows: number;
  /** … if the baseline had at least this many messages per window. */
  minDropBaselineMessages: number;
  errorRateThreshold: number;
  /** Messages sent + received a window needs before its error rate counts. */
  minErrorSample: number;
  /** Offline transitions of one client within flapWindows windows that make it flap. */
  flapTransitions: number;
  flapWindows: number;
  securityFactor: number;
  minSecurityRejections: number;
  /** Distinct subjects added in a window, against its baseline, that count as a jump. */
  distinctJumpFactor: number;
  minDistinctJump: number;
  /** Failed NATS logins with the tenant's identities in one window that are a security anomaly (system account on). */
  minNatsAuthFailures: number;
  /** New connections in a window, against their baseline, that are a churn spike (security). */
  churnFactor: number;
  minChurnConnects: number;
  /**
   * A rate spike or drop that lasts this many windows is the new normal: the rule's baseline
   * adopts the current rate, so the anomaly resolves instead of staying open under unchanged traffic.
   */
  adoptWindows: number;
  /**
   * JetStream (issue #33): a consumer whose outstanding messages (pending + ack pending) grew at
   * this many polls in a row, seen at window closes, with no ack in between, is stalled.
   */
  stallWindows: number;
  /** Max-deliveries advisories for one consumer in one window that are a redelivery storm. */
  minMaxDeliveries: number;
  /** A stream fuller than this (its worst limit, 0..1) is near its limit … */
  streamFillOpen: number;
  /** … and stays so until it is below this (hysteresis). */
  streamFillKeep: number;
  /** Windows a JetStream condition must stay clear before its anomaly resolves. */
  jetstreamClearWindows: number;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  warmupWindows: 10,
  holdDownWindows: 3,
  alpha: 0.1,
  spikeFactor: 10,
  minSpikeMessages: 100,
  dropFraction: 0.1,
  dropWindows: 3,
  minDropBaselineMessages: 100,
  errorRateThreshold: 0.1,
  minErrorSample: 100,
  flapTransitions: 3,
  flapWindows: 10,
  securityFactor: 10,
  minSecurityRejections: 20,
  distinctJumpFactor: 10,
  minDistinctJump: 100,
  minNatsAuthFailures: 5,
  churnFactor: 10,
  minChurnConnects: 20,
  adoptWindows: 15,
  stallWindows: 3,
  minMaxDeliveries: 1,
  streamFillOpen: 0.9,
  streamFillKeep: 0.85,
  jetstreamClearWindows: 1,
};
