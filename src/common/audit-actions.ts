// The audit trail's vocabulary lives on the ground floor: routes of every feature name an action in
// @Audited (common/decorators), and compliance/ (far above them) writes and reads the entries.
/** What an audit entry records (README, Compliance). Writes, exports and failed authentication. */
export const AUDIT_ACTIONS = [
  'tenant.create',
  'tenant.update',
  'tenant.erase',
  'tenant.export',
  /** The operator opened the tenant's dashboard read-only (admin key). */
  'tenant.view',
  'apikey.issue',
  'apikey.revoke',
  'channel.create',
  'channel.update',
  'channel.delete',
  'channel.test',
  'rule.create',
  'rule.update',
  'rule.delete',
  'silence.create',
  'silence.delete',
  'custom_metric.create',
  'custom_metric.update',
  'custom_metric.delete',
  'event_subscription.create',
  'event_subscription.update',
  'event_subscription.delete',
  'event_subscription.rotate',
  'event_subscription.test',
  'event_subscription.replay',
  'anomaly.backtest',
  'metrics.export',
  'compliance.report',
  'usage.export',
  'auth.failure',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
