import { BadRequestException } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { createValidationPipe } from './validation.pipe.js';
import { CreateSilenceDto } from '../alerting/dto/rule.dto.js';
// Every module declaring request DTOs (bodies, queries, params): their metadata is registered on import.
import '../alerting/alerts.controller.js';
import '../alerting/dto/channel.dto.js';
import '../compliance/compliance.controller.js';
import '../compliance/dto/audit.query.js';
import '../events/dto/subscription.dto.js';
import '../heartbeat/heartbeat.dto.js';
import '../jetstream/dto/jetstream-history.query.js';
import '../metrics/dto/custom-metric.dto.js';
import '../metrics/dto/metrics-queries.dto.js';
import '../metrics/dto/pages.dto.js';
import '../tenants/dto/list-tenants.query.js';
import '../tenants/dto/tenant.dto.js';
import '../usage/dto/usage.query.js';
import '../usage/usage-export.controller.js';

const pipe = createValidationPipe();

/** The fields a 400 names, or null when the body is valid. */
async function refused(body: object, metatype: new () => object): Promise<string[] | null> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    const answer = (err as BadRequestException).getResponse() as { details: { field: string }[] };
    return answer.details.map((d) => d.field);
  }
}

const future = new Date(Date.now() + 3_600_000).toISOString();

describe('silence matcher strings are bounded (a 50,000-character alertKey was stored)', () => {
  it('takes each matcher field up to 128 characters', async () => {
    const ok = { ruleId: 'r'.repeat(128), anomalyType: 'spike', severity: 'warning', alertKey: 'k'.repeat(128) };
    expect(await refused({ matcher: ok, until: future }, CreateSilenceDto)).toBeNull();
  });

  for (const field of ['ruleId', 'anomalyType', 'alertKey'] as const) {
    it(`refuses a ${field} of 129 or 50,000 characters, naming matcher.${field}`, async () => {
      for (const n of [129, 50_000])
        expect(await refused({ matcher: { [field]: 'x'.repeat(n) }, until: future }, CreateSilenceDto)).toEqual([
          `matcher.${field}`,
        ]);
    });
  }

  it('refuses an unknown severity, an unknown matcher field, a non-string, an empty matcher', async () => {
    expect(await refused({ matcher: { severity: 'fatal' }, until: future }, CreateSilenceDto)).toEqual([
      'matcher.severity',
    ]);
    expect(await refused({ matcher: { ruleId: 'r', labels: 'x' }, until: future }, CreateSilenceDto)).toEqual([
      'matcher.labels',
    ]);
    expect(await refused({ matcher: { ruleId: 5 }, until: future }, CreateSilenceDto)).toEqual(['matcher.ruleId']);
    expect(await refused({ matcher: {}, until: future }, CreateSilenceDto)).toEqual(['matcher']);
    for (const bad of [null, 'x', [1]])
      expect(await refused({ matcher: bad, until: future }, CreateSilenceDto), JSON.stringify(bad)).toContain(
        'matcher',
      );
  });

  it('refuses an until padded to 50,000 characters (a fraction of digits Date.parse reads)', async () => {
    const long = `2099-01-01T00:00:00.${'0'.repeat(50_000)}Z`;
    expect(await refused({ matcher: { ruleId: 'r' }, until: long }, CreateSilenceDto)).toEqual(['until']);
  });
});

/**
 * Every string a DTO takes is bounded: for each property validated as a string (or a date), a
 * 50,000-character value is refused, naming the property. A long run of letters, and a date with
 * a 50,000-digit fraction (ISO 8601 and Date.parse read any number of digits).
 */
describe('every DTO string property has a length bound', () => {
  const STRING_RULES = new Set(['isString', 'isIso8601', 'isDateString', 'isDateTime']);
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas: Map<new () => object, { propertyName: string; name?: string }[]>;
  };
  const cases: [new () => object, string][] = [];
  for (const [target, list] of storage.validationMetadatas) {
    const props = new Set(
      list.filter((m) => m.name !== undefined && STRING_RULES.has(m.name)).map((m) => m.propertyName),
    );
    for (const p of props) cases.push([target, p]);
  }

  it('finds the DTOs (the imports register them)', () => {
    expect(cases.length).toBeGreaterThan(30);
  });

  for (const [target, property] of cases) {
    it(`${target.name}.${property}`, async () => {
      for (const value of ['a'.repeat(50_000), `2026-01-01T00:00:00.${'0'.repeat(50_000)}Z`]) {
        const fields = await refused({ [property]: value }, target);
        expect(fields, value.slice(0, 30)).toContain(property);
      }
    });
  }
});
