import { describe, expect, it } from 'vitest';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { TenantJetStream } from '../jetstream/jetstream.types.js';
import { CreateRuleDto } from './dto/rule.dto.js';
import { jetstreamValue } from './rule-metrics.reader.js';
import {
  type AlertRule,
  IDLE,
  isRuleMetric,
  parseJetStreamMetric,
  RULE_METRIC_PATTERN,
  type RuleState,
  silenced,
  stepRule,
} from './rule.js';

const rule: AlertRule = {
  id: 'ru_1',
  name: 'few clients',
  metric: 'online_clients',
  operator: 'lt',
  threshold: 3,
  forSeconds: 5,
  severity: 'warning',
  channelIds: [],
  createdAt: '',
  updatedAt: '',
};

describe('stepRule', () => {
  it('fires once the condition has held for forSeconds, repeats no sooner than the repeat interval, resolves when it clears', () => {
    let s: RuleState = IDLE;
    const steps: (string | null)[] = [];
    const at = (t: number, value: number) => {
      const r = stepRule(rule, s, value, t * 1000, 60_000);
      s = r.state;
      steps.push(r.transition);
    };
    at(0, 2); // holds, pending
    at(3, 1); // 3 s
    at(5, 2); // 5 s: fire
    at(30, 2); // firing, no repeat yet
    at(66, 2); // repeat after 60 s
    at(70, 5); // clears: resolve
    at(71, 5);
    expect(steps).toEqual([null, null, 'fire', null, 'repeat', 'resolve', null]);
  });

  it('a condition that breaks before forSeconds starts over', () => {
    let s: RuleState = IDLE;
    s = stepRule(rule, s, 1, 0, 60_000).state;
    s = stepRule(rule, s, 9, 4000, 60_000).state;
    const r = stepRule(rule, s, 1, 6000, 60_000);
    expect(r.transition).toBeNull();
    expect(r.state.pendingSince).toBe(6000);
  });

  it('gt compares the other way', () => {
    const high = { ...rule, operator: 'gt' as const, forSeconds: 0, threshold: 0.1 };
    expect(stepRule(high, IDLE, 0.2, 0, 1000).transition).toBe('fire');
    expect(stepRule(high, IDLE, 0.1, 0, 1000).transition).toBeNull();
  });
});

describe('silences', () => {
  const now = Date.UTC(2026, 10, 28, 12);
  const until = new Date(now + 60_000).toISOString();
  it('match on every given field while not expired', () => {
    const s = [{ id: 'si', matcher: { ruleId: 'ru_1' }, until, createdAt: '' }];
    expect(silenced(s, { alertKey: 'rule:ru_1', ruleId: 'ru_1', severity: 'warning' }, now)).toBe(true);
    expect(silenced(s, { alertKey: 'rule:ru_2', ruleId: 'ru_2', severity: 'warning' }, now)).toBe(false);
    expect(silenced(s, { alertKey: 'rule:ru_1', ruleId: 'ru_1', severity: 'warning' }, now + 120_000)).toBe(false);
    const both = [
      { id: 'si', matcher: { anomalyType: 'rate_spike', severity: 'critical' as const }, until, createdAt: '' },
    ];
    expect(silenced(both, { alertKey: 'a', anomalyType: 'rate_spike', severity: 'warning' }, now)).toBe(false);
    expect(silenced(both, { alertKey: 'a', anomalyType: 'rate_spike', severity: 'critical' }, now)).toBe(true);
  });
});

describe('JetStream rule metrics', () => {
  it('parses consumer and stream figures, names as NATS allows them', () => {
    expect(parseJetStreamMetric('jetstream:ORDERS/worker:pending')).toEqual({
      stream: 'ORDERS',
      consumer: 'worker',
      field: 'pending',
    });
    expect(parseJetStreamMetric('jetstream:ORDERS/worker:ackPending')?.field).toBe('ackPending');
    expect(parseJetStreamMetric('jetstream:a:b/c:redelivered')).toEqual({
      stream: 'a:b',
      consumer: 'c',
      field: 'redelivered',
    });
    expect(parseJetStreamMetric('jetstream:ORDERS:fill')).toEqual({ stream: 'ORDERS', consumer: null, field: 'fill' });
    for (const bad of [
      'jetstream:ORDERS/worker:fill',
      'jetstream:ORDERS:pending',
      'jetstream:ORDERS/a/b:pending',
      'jetstream:OR.DERS:bytes',
      'jetstream:/worker:pending',
      'jetstream::messages',
      'jetstream:ORDERS',
      `jetstream:${'x'.repeat(300)}/${'y'.repeat(300)}:pending`,
      'jetstream:ORD ERS:bytes',
      'custom:ORDERS:bytes',
    ])
      expect(parseJetStreamMetric(bad), bad).toBeNull();
  });

  it('names beyond ASCII, as nats-server 2.9 accepts them', () => {
    expect(parseJetStreamMetric('jetstream:Zählung/Verbraucher_1:pending')).toEqual({
      stream: 'Zählung',
      consumer: 'Verbraucher_1',
      field: 'pending',
    });
    expect(isRuleMetric('jetstream:注文:fill')).toBe(true);
    expect(isRuleMetric('jetstream:Zäh\u00a0lung:fill')).toBe(false);
  });

  it('a long hostile name is refused in linear time', () => {
    const hostile = `jetstream:${'a:'.repeat(100_000)}`;
    const started = performance.now();
    expect(isRuleMetric(hostile)).toBe(false);
    expect(isRuleMetric(`jetstream:${'a/'.repeat(290)}:pending`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('isRuleMetric: built-in, custom and JetStream metrics, nothing else', () => {
    for (const ok of ['online_clients', 'custom:cm_0a1b', 'jetstream:S/C:pending', 'jetstream:S:messages'])
      expect(isRuleMetric(ok), ok).toBe(true);
    for (const bad of ['online', 'custom:', 'custom:a.b', 'jetstream:', 42, null])
      expect(isRuleMetric(bad)).toBe(false);
    expect(RULE_METRIC_PATTERN.test('jetstream:S/C:pending')).toBe(true);
  });

  it('the rule DTO refuses a bad metric naming the field', async () => {
    const errors = async (metric: unknown) =>
      (
        await validate(
          plainToInstance(CreateRuleDto, {
            name: 'lag',
            metric,
            operator: 'gt',
            threshold: 100,
            forSeconds: 0,
            severity: 'warning',
          }),
        )
      ).flatMap((e) => Object.values(e.constraints ?? {}));
    expect(await errors('jetstream:ORDERS/worker:pending')).toEqual([]);
    expect(await errors('custom:cm_1')).toEqual([]);
    const refused = await errors('jetstream:ORDERS.x/worker:pending');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(
      /^metric must be one of: .*jetstream:<stream>\/<consumer>:<pending\|ackPending\|redelivered>/,
    );
  });

  it('reads a figure from the last poll; absent streams, consumers and unset limits have none', () => {
    const view = {
      tenantId: 't',
      polledAt: '2026-01-01T00:00:00Z',
      streams: [
        { name: 'ORDERS', messages: 5, bytes: 500, fill: { messages: null, bytes: 0.5, worst: 0.5 } },
        { name: 'LOGS', messages: 1, bytes: 10, fill: { messages: null, bytes: null, worst: null } },
      ],
      consumers: [{ stream: 'ORDERS', name: 'worker', pending: 42, ackPending: 3, redelivered: 1 }],
      omitted: { streams: 0, consumers: 0 },
    } as unknown as TenantJetStream;
    const value = (metric: string) => jetstreamValue(view, parseJetStreamMetric(metric)!);
    expect(value('jetstream:ORDERS/worker:pending')).toBe(42);
    expect(value('jetstream:ORDERS/worker:ackPending')).toBe(3);
    expect(value('jetstream:ORDERS/worker:redelivered')).toBe(1);
    expect(value('jetstream:ORDERS:fill')).toBe(0.5);
    expect(value('jetstream:ORDERS:bytes')).toBe(500);
    expect(value('jetstream:LOGS:fill')).toBeUndefined();
    expect(value('jetstream:ORDERS/other:pending')).toBeUndefined();
    expect(value('jetstream:GONE:messages')).toBeUndefined();
  });
});
