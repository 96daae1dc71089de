import { describe, expect, it } from 'vitest';
import type { ServerCounts } from './server-figures.js';
import { MAX_FINALS_PER_BATCH, MAX_SOURCES_PER_BATCH, staleWindowSeconds, UsageBatch } from './usage-batch.js';

const counts = (inM: number, outM: number): ServerCounts => ({
  ingress: { msgs: inM, bytes: inM * 10 },
  egress: { msgs: outM, bytes: outM * 10 },
});

describe('UsageBatch: figures merged per source between writes', () => {
  it('keeps the greatest figure of each counter (what the write counts is the same)', () => {
    const b = new UsageBatch();
    b.figures('S:1', counts(5, 1));
    b.figures('S:1', counts(3, 9));
    expect(b.sources.get('S:1')).toEqual({ counts: counts(5, 9), final: false, uncounted: false, refusal: null });
  });

  it('a close makes the source final whichever came first, with its refusal', () => {
    const b = new UsageBatch();
    b.final('S:1', counts(6, 9), 'payload');
    b.figures('S:1', counts(5, 9));
    expect(b.sources.get('S:1')).toEqual({ counts: counts(6, 9), final: true, uncounted: false, refusal: 'payload' });
    // The accounts shape: a refusal alone counts no figures …
    b.refused('S:2', 'connections');
    expect(b.sources.get('S:2')).toMatchObject({ final: true, uncounted: true, refusal: 'connections' });
    // … unless counted figures of the source came too.
    b.figures('S:2', counts(1, 0));
    expect(b.sources.get('S:2')).toMatchObject({ final: true, uncounted: false, counts: counts(1, 0) });
  });

  it('absorbs a batch kept for a retry: sources merged, the newer snapshot kept', () => {
    const snapshot = (at: number) => ({
      tenantId: 't',
      shape: 'subjects' as const,
      at,
      connections: at,
      subscriptions: 0,
      leafnodes: 0,
      slowConsumers: 0,
      jetstream: null,
      claims: null,
    });
    const kept = new UsageBatch();
    kept.figures('S:1', counts(5, 0));
    kept.snapshot = snapshot(1);
    const fresh = new UsageBatch();
    fresh.figures('S:1', counts(7, 0));
    fresh.snapshot = snapshot(2);
    fresh.absorb(kept);
    expect(fresh.sources.get('S:1')?.counts).toEqual(counts(7, 0));
    expect(fresh.snapshot?.at).toBe(2);
    expect(new UsageBatch().empty).toBe(true);
    expect(fresh.empty).toBe(false);
  });

  it(`holds at most ${MAX_SOURCES_PER_BATCH} sources; more are dropped and counted`, () => {
    const b = new UsageBatch();
    for (let i = 0; i <= MAX_SOURCES_PER_BATCH; i++) b.figures(`S:${i}`, counts(1, 1));
    expect(b.sources.size).toBe(MAX_SOURCES_PER_BATCH);
    expect(b.dropped).toBe(1);
    // A source it holds is still merged.
    b.figures('S:0', counts(2, 2));
    expect(b.sources.get('S:0')?.counts).toEqual(counts(2, 2));
  });

  it("a full batch keeps a connection's final counts: poll figures give way (the next poll reads them again)", () => {
    const b = new UsageBatch();
    for (let i = 0; i < MAX_SOURCES_PER_BATCH; i++) b.figures(`S:${i}`, counts(1, 1));
    b.final('S:closed', counts(1_000_000, 5_000_000), null);
    expect(b.sources.get('S:closed')).toMatchObject({ final: true, counts: counts(1_000_000, 5_000_000) });
    expect(b.sources.size).toBeLessThanOrEqual(MAX_SOURCES_PER_BATCH + MAX_FINALS_PER_BATCH);
    // Finals are bounded on their own, generously: far more than the poll figures.
    expect(MAX_FINALS_PER_BATCH).toBeGreaterThanOrEqual(5 * MAX_SOURCES_PER_BATCH);
    const f = new UsageBatch();
    for (let i = 0; i < MAX_FINALS_PER_BATCH; i++) f.final(`S:${i}`, counts(1, 1), null);
    // With the finals full, a figure of a new source still finds room (up to its own bound) …
    f.figures('S:open', counts(2, 2));
    expect(f.sources.get('S:open')?.counts).toEqual(counts(2, 2));
    // … and a final beyond the bound is dropped, counted.
    f.final('S:one-more', counts(1, 1), null);
    expect(f.sources.has('S:one-more')).toBe(false);
    expect(f.dropped).toBe(1);
  });

  it('remembers when it began (absorbing keeps the older): a retry past the stale window is dropped', () => {
    const old = new UsageBatch(1_000);
    old.figures('S:1', counts(1, 1));
    const fresh = new UsageBatch(5_000);
    fresh.absorb(old);
    expect(fresh.since).toBe(1_000);
    // The window: a few poll intervals, at least 10 minutes.
    expect(staleWindowSeconds(30_000)).toBe(600);
    expect(staleWindowSeconds(300_000)).toBe(1200);
  });
});
