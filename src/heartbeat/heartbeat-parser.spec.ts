import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  heartbeatSubjectTenant,
  MAX_FUTURE_SKEW_MS,
  MAX_HEARTBEAT_BYTES,
  parseHeartbeat,
  parseHeartbeatSubject,
} from './heartbeat-parser.js';

const NOW = Date.UTC(2026, 10, 28, 18, 0, 0);
const SUBJECT = '_HEARTBEAT.tenant.acme.client.c-17';
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const valid = (overrides: Record<string, unknown> = {}) => ({
  client_id: 'c-17',
  tenant_id: 'acme',
  timestamp: '2026-11-28T18:00:00Z',
  status: 'healthy',
  metrics: { messages_sent: 5, messages_received: 6, errors: 1, uptime_seconds: 30 },
  ...overrides,
});
/** Each body is rejected as `schema`, with a message naming its field. */
function expectSchemaRejections(cases: [Record<string, unknown>, string][]): void {
  for (const [body, field] of cases) {
    const r = parseHeartbeat(SUBJECT, encode(body), NOW);
    expect(r.ok, JSON.stringify(body)).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('schema');
      expect(r.detail).toContain(field);
    }
  }
}
const reasonOf = (body: unknown, subject = SUBJECT) => {
  const r = parseHeartbeat(subject, encode(body), NOW);
  return r.ok ? 'ok' : r.reason;
};

describe('parseHeartbeatSubject', () => {
  it('takes the ids from the subject tokens', () => {
    expect(parseHeartbeatSubject(SUBJECT)).toEqual({ tenantId: 'acme', clientId: 'c-17' });
  });
  it('refuses any other shape and invalid ids', () => {
    for (const s of [
      '_HEARTBEAT.tenant.acme',
      '_HEARTBEAT.tenant.acme.client.c.x',
      'tenant.acme.client.c',
      '_HEARTBEAT.tenants.acme.client.c',
      '_HEARTBEAT.tenant.a*.client.c',
      `_HEARTBEAT.tenant.${'x'.repeat(65)}.client.c`,
    ]) {
      expect(parseHeartbeatSubject(s), s).toBeNull();
    }
  });
});

describe('heartbeatSubjectTenant', () => {
  it('takes the tenant token when it is a valid id, whatever the client token', () => {
    expect(heartbeatSubjectTenant(SUBJECT)).toBe('acme');
    expect(heartbeatSubjectTenant(`_HEARTBEAT.tenant.acme.client.${'x'.repeat(65)}`)).toBe('acme');
    expect(heartbeatSubjectTenant('_HEARTBEAT.tenant.acme.client.c*')).toBe('acme');
  });
  it('is null for any other shape and an invalid tenant token', () => {
    for (const s of [
      '_HEARTBEAT.tenant.acme',
      'tenant.acme.client.c',
      '_HEARTBEAT.tenant.a*.client.c',
      `_HEARTBEAT.tenant.${'x'.repeat(65)}.client.c`,
    ]) {
      expect(heartbeatSubjectTenant(s), s).toBeNull();
    }
  });
});

describe('parseHeartbeat', () => {
  it('accepts the documented heartbeat', () => {
    const r = parseHeartbeat(SUBJECT, encode(valid()), NOW);
    expect(r).toEqual({
      ok: true,
      heartbeat: {
        tenantId: 'acme',
        clientId: 'c-17',
        status: 'healthy',
        timestamp: NOW,
        sent: 5,
        received: 6,
        errors: 1,
        uptimeSeconds: 30,
      },
    });
  });

  it('tolerates unknown extra fields (newer clients)', () => {
    expect(reasonOf(valid({ version: '2.1' }))).toBe('ok');
  });

  it('rejects a body that speaks for another tenant or client', () => {
    expect(reasonOf(valid({ tenant_id: 'other' }))).toBe('subject_mismatch');
    expect(reasonOf(valid({ client_id: 'c-18' }))).toBe('subject_mismatch');
  });

  it('rejects what is not a JSON object', () => {
    for (const body of ['{', '', 'null', '[]', '42', '"text"']) expect(reasonOf(body), body).toBe('invalid_json');
    expect(parseHeartbeat(SUBJECT, new Uint8Array([0xc3, 0x28]), NOW)).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    });
  });

  it('rejects schema violations with a message naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [valid({ status: 'sleepy' }), 'status'],
      [valid({ timestamp: 'yesterday' }), 'timestamp'],
      [valid({ timestamp: 1764352800000 }), 'timestamp'],
      [valid({ metrics: { messages_sent: -1, messages_received: 0, errors: 0, uptime_seconds: 0 } }), 'messages_sent'],
      [valid({ metrics: { messages_sent: 1.5, messages_received: 0, errors: 0, uptime_seconds: 0 } }), 'messages_sent'],
      [valid({ metrics: { messages_sent: '5', messages_received: 0, errors: 0, uptime_seconds: 0 } }), 'messages_sent'],
      [valid({ metrics: { messages_sent: 0, messages_received: 0, errors: 0 } }), 'uptime_seconds'],
      [valid({ metrics: undefined }), 'metrics'],
      [valid({ client_id: undefined }), 'client_id'],
    ];
    expectSchemaRejections(cases);
  });

  it('rejects shapes class-validator let through that would reach Redis as non-numbers', () => {
    // `metrics` as an array passed @ValidateNested (it validates arrays element-wise) and left
    // every counter undefined; ISO 8601 week and ordinal dates passed @IsISO8601 but Date.parse
    // gives NaN. Either made the heartbeat's Lua call fail, and with it its whole chunk, on every retry.
    const metrics = { messages_sent: 1, messages_received: 2, errors: 0, uptime_seconds: 3 };
    const cases: [Record<string, unknown>, string][] = [
      [valid({ metrics: [] }), 'metrics'],
      [valid({ metrics: [metrics] }), 'metrics'],
      [valid({ timestamp: '2026-W48-6' }), 'timestamp'],
      [valid({ timestamp: '2026-332' }), 'timestamp'],
    ];
    expectSchemaRejections(cases);
  });

  it('every accepted heartbeat carries finite numbers', () => {
    for (const timestamp of ['2026-11-28T18:00:00Z', '2026-11-28T18:00:00.123456+01:00', '2026-11-28', '2026-W48-6']) {
      const r = parseHeartbeat(SUBJECT, encode(valid({ timestamp })), NOW);
      if (!r.ok) continue;
      const { timestamp: t, sent, received, errors, uptimeSeconds } = r.heartbeat;
      for (const n of [t, sent, received, errors, uptimeSeconds]) expect(Number.isFinite(n), timestamp).toBe(true);
    }
  });

  it('accepts a clock up to 5 minutes ahead, not more; any past timestamp is fine', () => {
    expect(reasonOf(valid({ timestamp: new Date(NOW + MAX_FUTURE_SKEW_MS).toISOString() }))).toBe('ok');
    expect(reasonOf(valid({ timestamp: new Date(NOW + MAX_FUTURE_SKEW_MS + 1000).toISOString() }))).toBe(
      'future_timestamp',
    );
    expect(reasonOf(valid({ timestamp: '2020-01-01T00:00:00Z' }))).toBe('ok');
  });

  it('rejects oversized bodies before parsing them', () => {
    const huge = new Uint8Array(MAX_HEARTBEAT_BYTES + 1).fill(32);
    expect(parseHeartbeat(SUBJECT, huge, NOW)).toMatchObject({ ok: false, reason: 'too_large', tenantId: 'acme' });
  });

  describe('bodies whose shape would cost more than their bytes', () => {
    afterEach(() => vi.restoreAllMocks());
    const shapes: [string, string][] = [
      ['16 KiB of [', '['.repeat(MAX_HEARTBEAT_BYTES)],
      ['closed nesting 64 deep', '['.repeat(64) + ']'.repeat(64)],
      ['objects 64 deep', '{"a":'.repeat(64) + '1' + '}'.repeat(64)],
      ['a heartbeat with 4,000 array elements', JSON.stringify(valid({ extra: new Array(4000).fill(1) }))],
    ];
    for (const [name, body] of shapes) {
      it(`rejects ${name} as too_complex without parsing it`, () => {
        const parse = vi.spyOn(JSON, 'parse');
        expect(parseHeartbeat(SUBJECT, encode(body), NOW)).toMatchObject({
          ok: false,
          reason: 'too_complex',
          tenantId: 'acme',
        });
        expect(parse).not.toHaveBeenCalled();
      });
    }
    it('still parses brackets inside strings as text', () => {
      expect(reasonOf(valid({ status: '['.repeat(100) }))).toBe('schema');
    });
  });

  it('never throws, whatever the bytes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      expect(() => parseHeartbeat(SUBJECT, bytes, NOW)).not.toThrow();
    }
  });
});
