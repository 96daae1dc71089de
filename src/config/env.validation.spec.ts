import { describe, expect, it } from 'vitest';
import { parsePlanTiers, toPulseOptions, validateEnv } from './env.validation.js';

describe('environment validation', () => {
  it('applies every default', () => {
    const options = toPulseOptions(validateEnv({}));
    expect(options.nats.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(options.redis.url).toBe('redis://127.0.0.1:6379');
    expect(options.redis.clusterNodes).toBeUndefined();
    expect(options.tenantSubjectPrefix).toBe('tenant');
    expect(options.flushIntervalMs).toBe(1000);
    expect(options.planTiers).toEqual({
      free: 'basic',
      starter: 'basic',
      pro: 'professional',
      enterprise: 'enterprise',
    });
    expect(validateEnv({}).PORT).toBe(3000);
  });

  it('parses lists and numbers', () => {
    const env = validateEnv({
      NATS_URL: 'nats://a:4222, nats://b:4222',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001',
      FLUSH_INTERVAL_MS: '250',
      PORT: '8080',
      PLAN_TIERS: 'gold:enterprise,silver:professional',
    });
    const options = toPulseOptions(env);
    expect(options.nats.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(options.redis.clusterNodes).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
    expect(options.flushIntervalMs).toBe(250);
    expect(env.PORT).toBe(8080);
    expect(options.planTiers).toEqual({ gold: 'enterprise', silver: 'professional' });
  });

  it("NATS_INBOX_PREFIX: Pulse's own by default, subject tokens without wildcards", () => {
    expect(toPulseOptions(validateEnv({})).nats.inboxPrefix).toBe('_PULSE_INBOX');
    expect(toPulseOptions(validateEnv({ NATS_INBOX_PREFIX: '_P.acme-1' })).nats.inboxPrefix).toBe('_P.acme-1');
    for (const bad of ['_P.*', '_P.>', 'a..b', '.a', 'a b', 'x'.repeat(65)])
      expect(() => validateEnv({ NATS_INBOX_PREFIX: bad }), bad).toThrow(/NATS_INBOX_PREFIX/);
  });

  it('treats empty values as unset', () => {
    expect(validateEnv({ NATS_URL: '', ADMIN_API_KEY: '' }).NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('lists every bad variable in one error', () => {
    let message = '';
    try {
      validateEnv({
        PORT: 'eighty',
        NATS_URL: 'http://x',
        REDIS_URL: 'localhost',
        LOG_LEVEL: 'loud',
        FLUSH_INTERVAL_MS: '5',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['PORT', 'NATS_URL', 'REDIS_URL', 'LOG_LEVEL', 'FLUSH_INTERVAL_MS'])
      expect(message).toContain(name);
  });

  it('requires a strong ADMIN_API_KEY in production, and paired settings', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY is required/);
    expect(() => validateEnv({ NODE_ENV: 'production', ADMIN_API_KEY: 'short' })).toThrow(/at least 16/);
    expect(
      validateEnv({ NODE_ENV: 'production', ADMIN_API_KEY: 'a-long-enough-admin-key' }).ADMIN_API_KEY,
    ).toBeDefined();
    expect(() => validateEnv({ NATS_USER: 'pulse' })).toThrow(/NATS_PASSWORD/);
    expect(() => validateEnv({ NATS_TLS_CERT_FILE: '/c.pem' })).toThrow(/NATS_TLS_KEY_FILE/);
  });

  it('gives the cold store a deadline: COLD_STORE_TIMEOUT_MS, 3000 by default, 100 to 60,000', () => {
    expect(toPulseOptions(validateEnv({ COLD_STORE: 'dynamodb' })).coldStore?.timeoutMs).toBe(3000);
    expect(
      toPulseOptions(validateEnv({ COLD_STORE: 'dynamodb', COLD_STORE_TIMEOUT_MS: '750' })).coldStore?.timeoutMs,
    ).toBe(750);
    for (const bad of ['0', '99', '60001', 'soon'])
      expect(() => validateEnv({ COLD_STORE_TIMEOUT_MS: bad })).toThrow(/COLD_STORE_TIMEOUT_MS/);
  });

  it('MAX_CLIENTS_PER_TENANT: distinct clients a tenant may have, 100,000 by default, 1 to 10,000,000', () => {
    expect(toPulseOptions(validateEnv({})).maxClientsPerTenant).toBe(100_000);
    expect(toPulseOptions(validateEnv({ MAX_CLIENTS_PER_TENANT: '20' })).maxClientsPerTenant).toBe(20);
    for (const bad of ['0', '-1', '10000001', '1.5', 'many'])
      expect(() => validateEnv({ MAX_CLIENTS_PER_TENANT: bad })).toThrow(/MAX_CLIENTS_PER_TENANT/);
  });

  it('trusts NATS connection names only when asked (NATS_SYSTEM_TRUST_NAMES)', () => {
    const system = { NATS_SYSTEM_USER: 'sys', NATS_SYSTEM_PASSWORD: 'secret' };
    expect(toPulseOptions(validateEnv(system)).natsSystem?.trustNames).toBe(false);
    expect(toPulseOptions(validateEnv({ ...system, NATS_SYSTEM_TRUST_NAMES: 'true' })).natsSystem?.trustNames).toBe(
      true,
    );
    expect(() => validateEnv({ NATS_SYSTEM_TRUST_NAMES: 'yes' })).toThrow(
      /NATS_SYSTEM_TRUST_NAMES must be true or false/,
    );
  });

  it('configures the usage export: USAGE_EXPORT_SOURCE (a URI reference, bounded) and USAGE_EXPORT_SETTLE_SECONDS', () => {
    expect(toPulseOptions(validateEnv({})).usageExport).toEqual({ source: 'pulse', settleSeconds: 300 });
    expect(
      toPulseOptions(
        validateEnv({ USAGE_EXPORT_SOURCE: 'https://pulse.example.com/eu-1', USAGE_EXPORT_SETTLE_SECONDS: '900' }),
      ).usageExport,
    ).toEqual({ source: 'https://pulse.example.com/eu-1', settleSeconds: 900 });
    for (const bad of ['two words', 'x'.repeat(201), 'a\nb'])
      expect(() => validateEnv({ USAGE_EXPORT_SOURCE: bad }), bad).toThrow(/USAGE_EXPORT_SOURCE/);
    for (const bad of ['-1', '86401', 'soon'])
      expect(() => validateEnv({ USAGE_EXPORT_SETTLE_SECONDS: bad })).toThrow(/USAGE_EXPORT_SETTLE_SECONDS/);
  });

  it('limit alerts: USAGE_LIMITS_INTERVAL_SECONDS 60 by default (5-3600), ALERT_OPERATOR_LIMITS critical by default', () => {
    const defaults = toPulseOptions(validateEnv({}));
    expect(defaults.usageLimitsIntervalMs).toBe(60_000);
    expect(defaults.alerting.operatorLimits).toBe('critical');
    const set = toPulseOptions(validateEnv({ USAGE_LIMITS_INTERVAL_SECONDS: '15', ALERT_OPERATOR_LIMITS: 'all' }));
    expect(set.usageLimitsIntervalMs).toBe(15_000);
    expect(set.alerting.operatorLimits).toBe('all');
    expect(toPulseOptions(validateEnv({ ALERT_OPERATOR_LIMITS: 'off' })).alerting.operatorLimits).toBe('off');
    for (const bad of ['4', '3601', 'often'])
      expect(() => validateEnv({ USAGE_LIMITS_INTERVAL_SECONDS: bad }), bad).toThrow(/USAGE_LIMITS_INTERVAL_SECONDS/);
    expect(() => validateEnv({ ALERT_OPERATOR_LIMITS: 'warning' })).toThrow(
      /ALERT_OPERATOR_LIMITS must be all, critical or off/,
    );
  });

  it('limit thresholds: LIMIT_WARNING_PERCENT 80 and LIMIT_CRITICAL_PERCENT 95 by default, 1-100, critical above warning', () => {
    expect(toPulseOptions(validateEnv({})).limitThresholds).toEqual({ warning: 0.8, critical: 0.95 });
    expect(
      toPulseOptions(validateEnv({ LIMIT_WARNING_PERCENT: '70', LIMIT_CRITICAL_PERCENT: '90' })).limitThresholds,
    ).toEqual({ warning: 0.7, critical: 0.9 });
    for (const bad of ['0', '101', '80.5', 'high'])
      expect(() => validateEnv({ LIMIT_WARNING_PERCENT: bad }), bad).toThrow(/LIMIT_WARNING_PERCENT/);
    expect(() => validateEnv({ LIMIT_CRITICAL_PERCENT: '101' })).toThrow(/LIMIT_CRITICAL_PERCENT/);
    expect(() => validateEnv({ LIMIT_WARNING_PERCENT: '90', LIMIT_CRITICAL_PERCENT: '90' })).toThrow(
      /LIMIT_CRITICAL_PERCENT must be above LIMIT_WARNING_PERCENT/,
    );
    expect(() => validateEnv({ LIMIT_CRITICAL_PERCENT: '50' })).toThrow(/LIMIT_CRITICAL_PERCENT must be above/);
  });

  it('LIMIT_RESOLVE_MARGIN_PERCENT: 5 points by default, 0-50, below the warning threshold', () => {
    expect(toPulseOptions(validateEnv({})).limitResolveMargin).toBe(0.05);
    expect(toPulseOptions(validateEnv({ LIMIT_RESOLVE_MARGIN_PERCENT: '0' })).limitResolveMargin).toBe(0);
    expect(toPulseOptions(validateEnv({ LIMIT_RESOLVE_MARGIN_PERCENT: '10' })).limitResolveMargin).toBe(0.1);
    for (const bad of ['-1', '51', '2.5', 'wide'])
      expect(() => validateEnv({ LIMIT_RESOLVE_MARGIN_PERCENT: bad }), bad).toThrow(/LIMIT_RESOLVE_MARGIN_PERCENT/);
    expect(() => validateEnv({ LIMIT_WARNING_PERCENT: '20', LIMIT_RESOLVE_MARGIN_PERCENT: '20' })).toThrow(
      /LIMIT_RESOLVE_MARGIN_PERCENT must be below LIMIT_WARNING_PERCENT/,
    );
  });

  it('tenant shards: one by default; PULSE_SHARD or PULSE_INSTANCE_ORDINAL (mod PULSE_SHARDS) says which', () => {
    expect(toPulseOptions(validateEnv({})).shard).toEqual({ count: 1, index: 0 });
    expect(toPulseOptions(validateEnv({ PULSE_SHARDS: '3', PULSE_SHARD: '2' })).shard).toEqual({ count: 3, index: 2 });
    expect(toPulseOptions(validateEnv({ PULSE_SHARDS: '3', PULSE_SHARD: '0' })).shard).toEqual({ count: 3, index: 0 });
    // A StatefulSet of 6 pods over 3 shards: pods 1 and 4 are shard 1.
    for (const [ordinal, index] of [
      ['0', 0],
      ['1', 1],
      ['4', 1],
      ['5', 2],
    ] as const) {
      expect(toPulseOptions(validateEnv({ PULSE_SHARDS: '3', PULSE_INSTANCE_ORDINAL: ordinal })).shard).toEqual({
        count: 3,
        index,
        ordinal: Number(ordinal),
      });
    }
    expect(toPulseOptions(validateEnv({ PULSE_INSTANCE_ORDINAL: '4' })).shard).toEqual({
      count: 1,
      index: 0,
      ordinal: 4,
    });
    // More than one shard without saying which: refused, rather than every instance shard 0.
    expect(() => validateEnv({ PULSE_SHARDS: '3' })).toThrow(
      /PULSE_SHARDS: PULSE_SHARDS=3 needs PULSE_SHARD \(0 to 2\) or PULSE_INSTANCE_ORDINAL/,
    );
    expect(() => validateEnv({ PULSE_SHARDS: '3', PULSE_SHARD: '3' })).toThrow(
      /PULSE_SHARD must be below PULSE_SHARDS/,
    );
    expect(() => validateEnv({ PULSE_SHARD: '1' })).toThrow(/PULSE_SHARD must be below PULSE_SHARDS \(1\)/);
    expect(() => validateEnv({ PULSE_SHARDS: '2', PULSE_SHARD: '1', PULSE_INSTANCE_ORDINAL: '1' })).toThrow(
      /PULSE_SHARD or PULSE_INSTANCE_ORDINAL, not both/,
    );
    for (const bad of ['0', '1025', '2.5', 'three'])
      expect(() => validateEnv({ PULSE_SHARDS: bad, PULSE_SHARD: '0' }), bad).toThrow(/PULSE_SHARDS/);
    for (const bad of ['-1', '1.5', 'one'])
      expect(() => validateEnv({ PULSE_SHARDS: '2', PULSE_SHARD: bad }), bad).toThrow(/PULSE_SHARD:/);
    for (const bad of ['-1', '1000001', 'x'])
      expect(() => validateEnv({ PULSE_SHARDS: '2', PULSE_INSTANCE_ORDINAL: bad }), bad).toThrow(
        /PULSE_INSTANCE_ORDINAL/,
      );
  });

  it('parsePlanTiers ignores malformed pairs', () => {
    expect(parsePlanTiers('a:basic,b:gold')).toEqual({ a: 'basic' });
  });

  it('PULSE_PUBLIC_URL: the base of alert links, without a trailing slash; no credentials, query or fragment', () => {
    expect(toPulseOptions(validateEnv({})).alerting.publicUrl).toBeUndefined();
    const options = toPulseOptions(validateEnv({ PULSE_PUBLIC_URL: 'https://pulse.example.com/ops/' }));
    expect(options.alerting.publicUrl).toBe('https://pulse.example.com/ops');
    for (const bad of [
      'ftp://x',
      'https://user:pass@pulse.example.com',
      'https://p.example.com/?k=1',
      'https://p#x',
      'pulse',
    ])
      expect(() => validateEnv({ PULSE_PUBLIC_URL: bad }), bad).toThrow(/PULSE_PUBLIC_URL/);
  });
});

describe('webhook events: delivery deadline and lease', () => {
  it('the lease defaults to the request deadline plus 5 s; a lease set explicitly must outlast the delivery deadline', () => {
    expect(toPulseOptions(validateEnv({})).events?.leaseMs).toBe(15_000);
    expect(toPulseOptions(validateEnv({ EVENTS_TIMEOUT_MS: '30000' })).events?.leaseMs).toBe(35_000);
    expect(toPulseOptions(validateEnv({ EVENTS_LEASE_MS: '20000' })).events?.leaseMs).toBe(20_000);
    // 10 s request + 1 s backstop + 2 s to read the batch and record the outcome = 13 s at least.
    expect(() => validateEnv({ EVENTS_LEASE_MS: '10000' })).toThrow(/EVENTS_LEASE_MS must exceed/);
    expect(() => validateEnv({ EVENTS_LEASE_MS: '13000' })).toThrow(/EVENTS_LEASE_MS must exceed/);
    expect(() => validateEnv({ EVENTS_TIMEOUT_MS: '20000', EVENTS_LEASE_MS: '15000' })).toThrow(/EVENTS_LEASE_MS/);
    expect(toPulseOptions(validateEnv({ EVENTS_LEASE_MS: '13001' })).events?.leaseMs).toBe(13_001);
  });
});
