import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryQuery } from '../alerting/alerts.controller.js';
import { PERIODS, RESOLUTIONS } from '../analytics/buckets.js';
import { EXPORT_FORMATS } from '../analytics/series-export.js';
import { ANOMALY_TYPES } from '../anomalies/detectors.js';
import {
  AnalyticsQuery,
  AnomaliesQuery,
  CLIENT_STATUSES,
  ConnectionsQuery,
  ExportQuery,
  PresenceQuery,
} from '../metrics/dto/metrics-queries.dto.js';
import { ListTenantsQuery } from '../tenants/dto/list-tenants.query.js';
import { AdminAuditQueryDto, AuditQueryDto } from '../compliance/dto/audit.query.js';
import { AUDIT_ACTIONS } from '../common/audit-actions.js';
import { ID_PATTERN } from '../common/ids.js';
import { createValidationPipe } from './validation.pipe.js';

type Param = { name: string } & (
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'text'; valid: (raw: string) => boolean; near: fc.Arbitrary<string> }
);

/** An audit cursor: a stream id, 1-16 digits a part (0-0 included: an empty page). */
const AUDIT_CURSOR: Param = {
  name: 'cursor',
  kind: 'text',
  valid: (raw) => /^\d{1,16}-\d{1,16}$/.test(raw),
  near: fc.oneof(
    fc.stringMatching(/^-?\d{0,18}-\d{0,18}$/),
    fc.constantFrom('0-0', '0000-0', '(0-1', '0-0 ', '+', '-', '18446744073709551615-0'),
  ),
};
const AUDIT_PARAMS: Param[] = [
  { name: 'limit', kind: 'int', min: 1, max: 1000 },
  { name: 'action', kind: 'enum', values: AUDIT_ACTIONS },
  AUDIT_CURSOR,
];

/** Every query DTO of the API and each of its parameters. */
const QUERIES: { dto: new () => object; params: Param[]; required?: Record<string, string> }[] = [
  {
    dto: AnalyticsQuery,
    params: [
      { name: 'period', kind: 'enum', values: PERIODS },
      { name: 'resolution', kind: 'enum', values: RESOLUTIONS },
    ],
  },
  {
    dto: ExportQuery,
    params: [
      { name: 'format', kind: 'enum', values: EXPORT_FORMATS },
      { name: 'period', kind: 'enum', values: PERIODS },
    ],
    required: { format: 'csv' },
  },
  {
    dto: AnomaliesQuery,
    params: [
      { name: 'hours', kind: 'int', min: 1, max: 720 },
      { name: 'type', kind: 'enum', values: ANOMALY_TYPES },
      { name: 'status', kind: 'enum', values: ['open', 'resolved'] },
    ],
  },
  {
    dto: PresenceQuery,
    params: [
      { name: 'limit', kind: 'int', min: 1, max: 1000 },
      { name: 'status', kind: 'enum', values: CLIENT_STATUSES },
      { name: 'online', kind: 'enum', values: ['true', 'false'] },
      {
        name: 'cursor',
        kind: 'text',
        valid: (raw) => raw.length <= 512,
        near: fc.string({ minLength: 500, maxLength: 530 }),
      },
    ],
  },
  {
    dto: HistoryQuery,
    params: [
      { name: 'hours', kind: 'int', min: 1, max: 720 },
      { name: 'limit', kind: 'int', min: 1, max: 1000 },
    ],
  },
  { dto: ConnectionsQuery, params: [{ name: 'state', kind: 'enum', values: ['open', 'closed'] }] },
  { dto: AuditQueryDto, params: AUDIT_PARAMS },
  {
    dto: AdminAuditQueryDto,
    params: [
      ...AUDIT_PARAMS,
      {
        name: 'tenantId',
        kind: 'text',
        valid: (raw) => ID_PATTERN.test(raw),
        near: fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/),
      },
    ],
  },
  {
    dto: ListTenantsQuery,
    params: [
      { name: 'limit', kind: 'int', min: 1, max: 1000 },
      {
        name: 'cursor',
        kind: 'text',
        valid: (raw) => ID_PATTERN.test(raw),
        near: fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/),
      },
    ],
  },
];

const pipe = createValidationPipe();

/** The pipe's verdict on one query: the transformed object, or the 400's details. */
async function validate(
  dto: new () => object,
  query: Record<string, unknown>,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; fields: string[] }> {
  try {
    const value = (await pipe.transform(query, { type: 'query', metatype: dto } as ArgumentMetadata)) as Record<
      string,
      unknown
    >;
    return { ok: true, value };
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    const body = (err as BadRequestException).getResponse() as { details: { field: string }[] };
    return { ok: false, fields: body.details.map((d) => d.field) };
  }
}

/** Strings a caller may send: anything, numbers in all spellings, and near-misses of the valid values. */
function queryValue(param: Param): fc.Arbitrary<string> {
  const near =
    param.kind === 'int'
      ? fc.oneof(
          fc.integer({ min: param.min - 5, max: param.max + 5 }).map(String),
          fc.double().map(String),
          fc.constantFrom('1e2', '0x10', ' 7 ', '', '-0', '1.0', 'NaN', 'Infinity'),
        )
      : param.kind === 'enum'
        ? fc.oneof(
            fc.constantFrom(...param.values),
            fc.constantFrom(...param.values).map((v) => v.toUpperCase()),
            fc.constantFrom(...param.values).map((v) => `${v} `),
          )
        : param.near;
  return fc.oneof(near, fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
}

/** What the parameter should accept, as its documentation states it. */
function accepts(param: Param, raw: string): boolean {
  if (param.kind === 'enum') return param.values.includes(raw);
  if (param.kind === 'text') return param.valid(raw);
  const n = Number(raw);
  return Number.isInteger(n) && n >= param.min && n <= param.max;
}

describe('query parameters (property-based, through the API validation pipe)', () => {
  for (const { dto, params, required = {} } of QUERIES) {
    for (const param of params) {
      it(`${dto.name}.${param.name}: accepted exactly when valid, else a 400 naming it`, async () => {
        await fc.assert(
          fc.asyncProperty(queryValue(param), async (raw) => {
            const verdict = await validate(dto, { ...required, [param.name]: raw });
            expect(verdict.ok, JSON.stringify(raw)).toBe(accepts(param, raw));
            if (verdict.ok) {
              const expected = param.kind === 'int' ? Number(raw) : param.name === 'online' ? raw === 'true' : raw;
              expect(verdict.value[param.name]).toEqual(expected);
            } else {
              expect(verdict.fields).toContain(param.name);
            }
          }),
          { numRuns: 300 },
        );
      });
    }

    it(`${dto.name}: repeated parameters and unknown names (a tenantId, say) are refused`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...params),
          fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 4 }),
          fc
            .oneof(
              fc.string({ minLength: 1, maxLength: 12 }),
              fc.constantFrom(
                'tenantId',
                '__proto__',
                'constructor',
                'prototype',
                'toString',
                'valueOf',
                'hasOwnProperty',
              ),
            )
            .filter((k) => !params.some((p) => p.name === k) && !Object.hasOwn(required, k)),
          async (param, repeated, unknown) => {
            expect((await validate(dto, { ...required, [param.name]: repeated })).ok).toBe(false);
            const verdict = await validate(dto, { ...required, [unknown]: 'x' });
            expect(verdict.ok).toBe(false);
          },
        ),
        { numRuns: 100 },
      );
    });
  }
});
