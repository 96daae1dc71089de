import { describe, expect, it } from 'vitest';
import { HistoryKeys } from './history-keys.js';

describe('HistoryKeys', () => {
  const keys = new HistoryKeys('pulse');

  it("puts every tenant key behind the tenant's hash tag", () => {
    const tenantKeys = [
      keys.totals('acme'),
      keys.minute('acme', 60),
      keys.day('acme', '20261128'),
      keys.subjectMessages('acme', '20261128'),
      keys.subjectBytes('acme', '20261128'),
      keys.subjectSketch('acme', '20261128'),
      keys.flushSequence('acme', 'i1'),
    ];
    for (const key of tenantKeys) {
      expect(key.startsWith('pulse:{t:acme}:')).toBe(true);
      // Redis Cluster hashes only the text between the first { and the next }.
      expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe('t:acme');
    }
    expect(new Set(tenantKeys).size).toBe(tenantKeys.length);
  });

  it('keeps tenants apart: no key of one tenant is a prefix match of another', () => {
    expect(keys.totals('acme').startsWith(keys.shared.tenantScope('ac'))).toBe(false);
  });

  it('keeps the key strings history was stored under', () => {
    expect([
      keys.totals('a'),
      keys.minute('a', 60),
      keys.hour('a', 3600),
      keys.day('a', '20261128'),
      keys.subjectMessages('a', '20261128'),
      keys.subjectBytes('a', '20261128'),
      keys.subjectSketch('a', '20261128'),
      keys.clientDay('a', '20261128'),
      keys.clientTraffic('a', '20261128'),
      keys.clientsSeenDay('a', '20261128'),
      keys.offlineDay('a', '20261128'),
      keys.archiveQueue('a'),
      keys.archiveDigests('a'),
      keys.archiveBackfilled('a'),
      keys.late('a', 'h3600'),
      keys.latePeriods('a'),
      keys.rollupDirty('a'),
      keys.flushSequence('a', 'i1'),
      keys.period('a', 'h3600'),
      keys.period('a', 'd20261128'),
    ]).toEqual([
      'pulse:{t:a}:tot',
      'pulse:{t:a}:min:60',
      'pulse:{t:a}:hour:3600',
      'pulse:{t:a}:day:20261128',
      'pulse:{t:a}:subj:20261128',
      'pulse:{t:a}:subjb:20261128',
      'pulse:{t:a}:hll:20261128',
      'pulse:{t:a}:cday:20261128',
      'pulse:{t:a}:ctraffic:20261128',
      'pulse:{t:a}:cseen:20261128',
      'pulse:{t:a}:offday:20261128',
      'pulse:{t:a}:archq',
      'pulse:{t:a}:archd',
      'pulse:{t:a}:archq:filled',
      'pulse:{t:a}:late:h3600',
      'pulse:{t:a}:archl',
      'pulse:{t:a}:rollup:dirty',
      'pulse:{t:a}:flush:i1',
      'pulse:{t:a}:hour:3600',
      'pulse:{t:a}:day:20261128',
    ]);
  });
});
