import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHeartbeat, parseHeartbeatSubject } from './heartbeat-parser.js';

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
