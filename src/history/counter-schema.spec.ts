import { describe, expect, it } from 'vitest';
import { RETENTION } from '../common/retention.js';
import { HistoryKeys } from './history-keys.js';
import { addFields } from './cold-merge.js';
import {
  COUNTER_FIELDS,
  COUNTER_SCHEMA,
  type CounterSpec,
  FLUSHED_TO_DAY_FIELDS,
  MAX_FIELDS,
  MINUTE_COUNTERS,
  TOTAL_COUNTERS,
} from './counter-schema.js';
import { encodeDelta } from './flush-script.js';
import { emptyMinute, type HistoryDelta } from './history-delta.js';
import { ROLLUP_DAY_LUA, ROLLUP_HOUR_LUA } from './rollup-scripts.js';

const specs = Object.entries(COUNTER_SCHEMA) as [string, CounterSpec][];
const inHourOrDay = (s: CounterSpec) => s.periods.includes('hour') || s.periods.includes('day');

/** The FOLD's branch that keeps a field at its maximum (the line after the per-second ones). */
function foldMaxBranch(lua: string): string {
  const line = lua.split('\n').find((l) => l.includes('elseif f ==') && !l.includes(`'${COUNTER_FIELDS.peak}'`));
  if (!line) throw new Error('no max branch in FOLD');
  return line;
}

describe('counter schema', () => {
  it('names every stored field once', () => {
    const fields = specs.map(([, s]) => s.field);
    expect(new Set(fields).size).toBe(fields.length);
    for (const [name, s] of specs)
      if (!s.family) expect(COUNTER_FIELDS[name as keyof typeof COUNTER_FIELDS]).toBe(s.field);
  });

  it('keeps a family summed, and the per-second families two characters long (the FOLD reads them so)', () => {
    for (const [, s] of specs) if (s.family) expect(s.combine).toBe('sum');
    expect(COUNTER_SCHEMA.secondMessages.field).toHaveLength(2);
    expect(COUNTER_SCHEMA.secondBytes.field).toHaveLength(2);
  });

  it('gives the rollups and the cold merge the same maxima as the table, and sums the rest', () => {
    const maxima = specs.filter(([, s]) => inHourOrDay(s) && s.combine === 'max').map(([, s]) => s.field);
    expect([...MAX_FIELDS].sort()).toEqual([...maxima].sort());
    const branch = foldMaxBranch(ROLLUP_HOUR_LUA);
    for (const [, s] of specs) {
      if (!inHourOrDay(s) || s.family) continue;
      const field = s.field;
      const merged = addFields({ [field]: '5' }, { [field]: '3' })[field];
      if (s.combine === 'max') {
        expect(merged).toBe('5'); // a max field is never summed
        if (field !== COUNTER_FIELDS.peak) expect(branch).toContain(`f == '${field}'`);
      } else {
        expect(merged).toBe('8');
        expect(branch).not.toContain(`f == '${field}'`);
      }
    }
    expect(ROLLUP_DAY_LUA).toContain(foldMaxBranch(ROLLUP_DAY_LUA));
  });

  it('leaves the day rollup off the fields the flush keeps exact in the day hash', () => {
    expect([...FLUSHED_TO_DAY_FIELDS].sort()).toEqual(
      specs
        .filter(([, s]) => s.flushedToDay)
        .map(([, s]) => s.field)
        .sort(),
    );
    for (const field of FLUSHED_TO_DAY_FIELDS) expect(ROLLUP_DAY_LUA).toContain(`f == '${field}'`);
  });

  it('makes the flush keep a max field at its maximum and add a sum field, in every hash it writes', () => {
    for (const c of [...MINUTE_COUNTERS, ...TOTAL_COUNTERS]) {
      const spec = specs.find(([, s]) => s.field === c.field)?.[1];
      expect(c.op).toBe(spec?.combine === 'max' ? 'm' : 'h');
    }
    const minuteEpoch = Date.UTC(2026, 10, 28, 12, 0) / 1000;
    const minute = emptyMinute();
    minute.messages = 3;
    minute.bytes = 30;
    minute.deliveredMessages = 3;
    minute.deliveredBytes = 36;
    minute.seconds = new Map([[5, [3, 30]]]);
    const delta = {
      tenantId: 'acme',
      seq: 1,
      messages: 3,
      bytes: 30,
      latencyMissing: 0,
      latencyInvalid: 0,
      latencySumMs: 0,
      deliveredMessages: 3,
      deliveredBytes: 36,
      lastActivityMs: minuteEpoch * 1000 + 5000,
      minutes: new Map([[minuteEpoch, minute]]),
      subjects: new Map(),
      custom: null,
    } satisfies HistoryDelta;
    // Written a day later: the minute's hour is settled, so it is also added to the stored hour and day.
    for (const now of [minuteEpoch * 1000 + 60_000, minuteEpoch * 1000 + 30 * 3_600_000]) {
      const { args } = encodeDelta(delta, new HistoryKeys('pulse'), 'i', 10, RETENTION.enterprise, now);
      for (let i = 1; i < args.length; i++) {
        if (args[i] !== 'h' && args[i] !== 'm') continue;
        const spec = specs.find(
          ([, s]) => s.field === args[i + 2] || (s.family && String(args[i + 2]).startsWith(s.field)),
        );
        if (spec) expect([args[i + 2], args[i]]).toEqual([args[i + 2], spec[1].combine === 'max' ? 'm' : 'h']);
      }
    }
  });
});
