import { describe, expect, it } from 'vitest';
import type { RawStream } from './jetstream-figures.js';
import { finished, planTenant, pollDeadline, rotate, uniqueStreams } from './jetstream-poll-plan.js';

const raw = (name: string, bytes: number, consumers: number, maxBytes = -1): RawStream => ({
  config: { name, subjects: [`tenant.t.${name}`], max_msgs: -1, max_bytes: maxBytes, max_age: 0 },
  created: '2026-01-01T00:00:00Z',
  state: { messages: 1, bytes, first_seq: 1, last_seq: 1, consumer_count: consumers },
});

describe('planTenant: which consumer lists a poll asks', () => {
  it('skips streams without consumers and lists only the streams kept', () => {
    const plan = planTenant('t', [raw('A', 10, 0), raw('B', 30, 2), raw('C', 20, 3), raw('D', 5, 4)], 2);
    expect(plan.streams.kept.map((s) => s.name)).toEqual(['B', 'C']);
    expect(plan.streams.omitted).toBe(2);
    expect(plan.toList).toEqual(['B', 'C']);
    // D's 4 consumers (and A's none) are counted, not listed.
    expect(plan.consumersOmitted).toBe(4);
    expect(planTenant('t', [raw('A', 10, 0)], 100).toList).toEqual([]);
  });

  it('a tenant is finished when every stream it lists was listed', () => {
    const plan = planTenant('t', [raw('B', 30, 2), raw('C', 20, 3)], 100);
    expect(finished(plan, new Map([['B', []]]))).toBe(false);
    expect(
      finished(
        plan,
        new Map([
          ['B', []],
          ['C', []],
        ]),
      ),
    ).toBe(true);
    expect(finished(planTenant('t', [raw('A', 1, 0)], 100), new Map())).toBe(true);
  });
});

describe('uniqueStreams', () => {
  it('a stream repeated by offset paging is seen once', async () => {
    async function* pages() {
      yield raw('A', 1, 0);
      yield raw('B', 1, 0);
      yield raw('B', 1, 0);
      yield raw('C', 1, 0);
    }
    const names: string[] = [];
    for await (const s of uniqueStreams(pages())) names.push(s.config.name);
    expect(names).toEqual(['A', 'B', 'C']);
  });
});

describe('pollDeadline and rotate', () => {
  it('the deadline is 80 % of the interval; each poll starts one tenant further', () => {
    expect(pollDeadline(1_000, 15_000)).toBe(13_000);
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(rotate([], 3)).toEqual([]);
  });
});
