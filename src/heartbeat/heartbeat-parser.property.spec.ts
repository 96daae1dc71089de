import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCanonicalHeartbeat } from './canonical-heartbeat.js';
import {
  MAX_FUTURE_SKEW_MS,
  parseHeartbeat,
  parseHeartbeatFully,
  parseHeartbeatSubject,
  validateHeartbeatBody,
  validateWithDto,
} from './heartbeat-parser.js';

const NOW = Date.UTC(2026, 10, 28, 18);
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('heartbeat validation (property-based)', () => {
  it('never throws on any subject and any bytes', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 512 }), (subject, bytes) => {
        const r = parseHeartbeat(subject, bytes, NOW);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any JSON value, and accepts only objects of the schema', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = parseHeartbeat('_HEARTBEAT.tenant.acme.client.c1', encode(value), NOW);
        if (r.ok) {
          expect(r.heartbeat.tenantId).toBe('acme');
          expect(r.heartbeat.clientId).toBe('c1');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every valid heartbeat and binds it to the subject ids', () => {
    const counter = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(
        id,
        id,
        fc.constantFrom('healthy', 'degraded', 'unhealthy'),
        counter,
        counter,
        counter,
        counter,
        fc.integer({ min: -10 * 86_400_000, max: 299_000 }),
        (tenant, client, status, s, r, e, u, skew) => {
          const body = {
            client_id: client,
            tenant_id: tenant,
            timestamp: new Date(NOW + skew).toISOString(),
            status,
            metrics: { messages_sent: s, messages_received: r, errors: e, uptime_seconds: u },
          };
          const result = parseHeartbeat(`_HEARTBEAT.tenant.${tenant}.client.${client}`, encode(body), NOW);
          expect(result).toMatchObject({
            ok: true,
            heartbeat: { tenantId: tenant, clientId: client, sent: s, errors: e },
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a body naming another tenant or client is always rejected as subject_mismatch', () => {
    fc.assert(
      fc.property(id, id, id, (tenant, client, other) => {
        fc.pre(other !== tenant);
        const body = {
          client_id: client,
          tenant_id: other,
          timestamp: new Date(NOW).toISOString(),
          status: 'healthy',
          metrics: { messages_sent: 0, messages_received: 0, errors: 0, uptime_seconds: 0 },
        };
        expect(parseHeartbeat(`_HEARTBEAT.tenant.${tenant}.client.${client}`, encode(body), NOW)).toMatchObject({
          ok: false,
          reason: 'subject_mismatch',
        });
      }),
      { numRuns: 500 },
    );
  });

  it('subject parsing: only the exact five-token shape with valid ids passes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 7 }), (tokens) => {
        const parsed = parseHeartbeatSubject(tokens.join('.'));
        if (parsed) {
          expect(tokens).toHaveLength(5);
          expect(tokens[0]).toBe('_HEARTBEAT');
          expect(/^[A-Za-z0-9_-]{1,64}$/.test(parsed.tenantId) && /^[A-Za-z0-9_-]{1,64}$/.test(parsed.clientId)).toBe(
            true,
          );
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the compiled heartbeat check agrees with HeartbeatDto (property-based)', () => {
  const digits = (n: number, max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
  const timestamp = fc.oneof(
    // RFC 3339 in every variation the compiled check takes, with impossible days and hours mixed in.
    fc
      .tuple(
        digits(4, 9999),
        digits(2, 13),
        digits(2, 32),
        digits(2, 24),
        digits(2, 60),
        digits(2, 60),
        fc.option(fc.integer({ min: 0, max: 999_999_999_999 }).map((f) => `.${f}`)),
        fc.constantFrom('Z', 'z', '+01:00', '-23:59', '+24:00', '', '+0100'),
        fc.constantFrom('T', 't', ' '),
      )
      .map(([y, mo, d, h, mi, se, frac, tz, sep]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${se}${frac ?? ''}${tz}`),
    fc.constantFrom(
      '2026-11-28',
      '2026-W48-6',
      '2026-332',
      '2024-02-29T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-04-31T23:59:59.5-01:00',
      '1900-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '',
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.string(),
    fc.integer(),
  );
  const counter = fc.oneof(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.constantFrom(-1, 1.5, -0, Number.MAX_SAFE_INTEGER + 2, 1e300, '5', null, true),
  );
  const metrics = fc.oneof(
    fc.record(
      { messages_sent: counter, messages_received: counter, errors: counter, uptime_seconds: counter },
      { requiredKeys: [] },
    ),
    fc.constantFrom([], null, 'x', 3),
    fc.array(
      fc.record({ messages_sent: counter, messages_received: counter, errors: counter, uptime_seconds: counter }),
    ),
  );
  const body = fc.record(
    {
      client_id: fc.oneof(id, fc.string()),
      tenant_id: fc.oneof(id, fc.string()),
      timestamp,
      status: fc.oneof(fc.constantFrom('healthy', 'degraded', 'unhealthy'), fc.string()),
      metrics,
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['client_id', 'tenant_id', 'timestamp', 'status', 'metrics'] },
  );
  const plain = (r: ReturnType<typeof validateWithDto>) =>
    r.ok
      ? {
          ok: true,
          timestamp: r.timestamp,
          ids: [r.fields.tenant_id, r.fields.client_id],
          status: r.fields.status,
          counters: [
            r.fields.metrics.messages_sent,
            r.fields.metrics.messages_received,
            r.fields.metrics.errors,
            r.fields.metrics.uptime_seconds,
          ],
        }
      : r;

  it('gives the result HeartbeatDto gives, for every body', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(plain(validateHeartbeatBody(b))).toEqual(plain(validateWithDto(b)));
      }),
      { numRuns: 5000 },
    );
  });

  it('every accepted body has finite numbers', () => {
    fc.assert(
      fc.property(body, (b) => {
        const r = validateHeartbeatBody(b);
        if (!r.ok) return;
        for (const n of (plain(r) as { counters: number[] }).counters) expect(Number.isFinite(n)).toBe(true);
        expect(Number.isFinite(r.timestamp)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the in-place read of the SDK body accepts only what the full parse accepts (property-based)', () => {
  const SUBJECT_IDS = { tenantId: 'acme', clientId: 'c-1' };
  const counter = fc.oneof(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom(-1, 1.5, -0, 1e21, Number.MAX_SAFE_INTEGER + 2, '7', null),
  );
  const timestamp = fc.oneof(
    fc
      .date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(
      '2026-02-29T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-11-28T24:00:00.000Z',
      '2026-11-28T23:60:00.000Z',
      '2026-11-28T23:59:60.000Z',
      '2026-11-28T18:00:00Z',
      '2026-11-28T18:00:00.000+00:00',
      '1969-12-31T23:59:59.999Z',
    ),
  );
  // Keys in the SDK's order (what JSON.stringify of PulseClient.heartbeatBody writes), values varied.
  const sdkBody = fc
    .tuple(
      fc.constantFrom('c-1', 'c-2', 'c-1\u00e9', ''),
      fc.constantFrom('acme', 'acme2', 'acm', 'ACME'),
      timestamp,
      fc.constantFrom('healthy', 'degraded', 'unhealthy', 'offline', 'Healthy', 'healthy '),
      counter,
      counter,
      counter,
      counter,
    )
    .map(([client, tenant, ts, status, s, r, e, u]) =>
      JSON.stringify({
        client_id: client,
        tenant_id: tenant,
        timestamp: ts,
        status,
        metrics: { messages_sent: s, messages_received: r, errors: e, uptime_seconds: u },
      }),
    );
  // A byte changed, removed or added somewhere: what a hand-written client or a corrupted body may look like.
  const mutated = fc
    .tuple(sdkBody, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'drop', 'insert'))
    .map(([text, at, byte, how]) => {
      const bytes = [...new TextEncoder().encode(text)];
      const i = at % (bytes.length + 1);
      if (how === 'set' && i < bytes.length) bytes[i] = byte;
      else if (how === 'drop') bytes.splice(i, 1);
      else bytes.splice(i, 0, byte);
      return Uint8Array.from(bytes);
    });
  // The SDK's body itself (any valid values): the in-place read's whole point.
  const valid = fc
    .tuple(
      fc.date({ min: new Date(0), max: new Date(NOW + 400_000), noInvalidDate: true }),
      fc.constantFrom('healthy', 'degraded', 'unhealthy'),
      fc.array(fc.oneof(fc.nat(100), fc.nat(1e15 - 1), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), {
        minLength: 4,
        maxLength: 4,
      }),
    )
    .map(([date, status, [s, r, e, u]]) =>
      JSON.stringify({
        client_id: 'c-1',
        tenant_id: 'acme',
        timestamp: date.toISOString(),
        status,
        metrics: { messages_sent: s, messages_received: r, errors: e, uptime_seconds: u },
      }),
    );
  const bytes = fc.oneof(
    valid.map((t) => new TextEncoder().encode(t)),
    sdkBody.map((t) => new TextEncoder().encode(t)),
    mutated,
  );

  it('a body read in place is accepted by the full parse, with the same heartbeat', () => {
    let readInPlace = 0;
    fc.assert(
      fc.property(bytes, (data) => {
        const fields = readCanonicalHeartbeat(data, SUBJECT_IDS.tenantId, SUBJECT_IDS.clientId);
        const full = parseHeartbeatFully(data, NOW, SUBJECT_IDS);
        const viaFast = parseHeartbeat('_HEARTBEAT.tenant.acme.client.c-1', data, NOW, SUBJECT_IDS);
        // Whichever way, parseHeartbeat gives the full parse's result.
        expect(viaFast).toEqual(full);
        if (fields) {
          readInPlace++;
          // Read in place means valid: accepted with the same fields, or too far ahead (checked after either read).
          if (full.ok) expect({ ...SUBJECT_IDS, ...fields }).toEqual(full.heartbeat);
          else expect([full.reason, fields.timestamp - NOW > MAX_FUTURE_SKEW_MS]).toEqual(['future_timestamp', true]);
        }
      }),
      { numRuns: 10_000 },
    );
    // The generator reaches the in-place read often enough for the check to mean something.
    expect(readInPlace).toBeGreaterThan(500);
  });

  it('reads the SDK’s own body in place', () => {
    const body = JSON.stringify({
      client_id: 'c-1',
      tenant_id: 'acme',
      timestamp: new Date(NOW).toISOString(),
      status: 'degraded',
      metrics: { messages_sent: 10, messages_received: 20, errors: 0, uptime_seconds: 30 },
    });
    expect(readCanonicalHeartbeat(new TextEncoder().encode(body), 'acme', 'c-1')).toEqual({
      status: 'degraded',
      timestamp: NOW,
      sent: 10,
      received: 20,
      errors: 0,
      uptimeSeconds: 30,
    });
  });
});
