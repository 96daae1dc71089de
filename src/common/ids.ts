/** Tenant and client ids: safe as a NATS subject token and inside a Redis key. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** An anomaly id: `an_` and up to 32 lowercase letters or digits (the detection's are 16 hex digits, `anomalyId`). */
export const ANOMALY_ID_PATTERN = /^an_[0-9a-z]{1,32}$/;
