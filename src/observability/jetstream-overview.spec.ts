import { describe, expect, it } from 'vitest';
import { consumerFigures, FakeJetStreamReader, laggingTenant } from '../../test/support/jetstream-fake.js';
import type { AdvisoriesService, AdvisoriesStatus } from '../jetstream/advisories.service.js';
import { JetStreamOverview, rankWorst, WORST_TENANTS } from './jetstream-overview.js';

/** `n` tenants, tenant i's worst consumer `i * 100` behind (t0 has no consumer at all). */
function fill(reader: FakeJetStreamReader, n: number): string[] {
  const ids = Array.from({ length: n }, (_, i) => `t${i}`);
  for (const [i, id] of ids.entries()) {
    const view = laggingTenant(id, '2026-12-07T11:00:00.000Z');
    view.consumers =
      i === 0
        ? []
        : [consumerFigures(`S_${id}`, 'worker', { pending: i * 100, ackPending: i, drain: { state: 'not_draining' } })];
    reader.views.set(id, view);
  }
  return ids;
}

describe('JetStreamOverview (operator console)', () => {
  it('lists the tenants by worst consumer, at most WORST_TENANTS, with the poller status', async () => {
    const reader = new FakeJetStreamReader();
    fill(reader, WORST_TENANTS + 5);
    const body = await new JetStreamOverview(reader).read();
    expect(body.status).toEqual({ state: 'ok', detail: null, lastPollAt: reader.statusNow.lastPollAt, unowned: 2 });
    expect(body.worstConsumers).toHaveLength(WORST_TENANTS);
    expect(body.worstConsumers[0]).toEqual({
      tenantId: 't24',
      stream: 'S_t24',
      consumer: 'worker',
      pending: 2400,
      ackPending: 24,
      drain: { state: 'not_draining' },
      polledAt: '2026-12-07T11:00:00.000Z',
    });
    expect(body.worstConsumers.map((r) => r.pending)).toEqual(
      [...body.worstConsumers.map((r) => r.pending)].sort((a, b) => b - a),
    );
  });

  it("uses the reader's batched worst() where it has one (no read per tenant)", async () => {
    const reader = new FakeJetStreamReader();
    fill(reader, 5);
    let perTenant = 0;
    const current = reader.current.bind(reader);
    reader.current = (id) => {
      perTenant++;
      return current(id);
    };
    const body = await new JetStreamOverview(reader).read();
    expect(perTenant).toBe(0);
    expect(body.worstConsumers.map((r) => r.tenantId)).toEqual(['t4', 't3', 't2', 't1']);
  });

  it('without JetStreamModule (no reader) or with monitoring off: state off, nothing listed', async () => {
    expect(await new JetStreamOverview(undefined).read()).toEqual({
      status: { state: 'off', detail: null, lastPollAt: null, unowned: 0 },
      worstConsumers: [],
      advisories: { state: 'off', counted: 0, rejected: 0, unmatched: 0, dropped: 0, lastAt: null },
    });
    const reader = new FakeJetStreamReader();
    fill(reader, 3);
    reader.statusNow = { state: 'off', detail: 'JETSTREAM_MONITORING=false', lastPollAt: null, unowned: 0 };
    const body = await new JetStreamOverview(reader).read();
    expect(body.status.state).toBe('off');
    expect(body.worstConsumers).toEqual([]);
  });

  it("shows this instance's advisory counts (AdvisoriesService.status)", async () => {
    const figures: AdvisoriesStatus = {
      state: 'on',
      counted: 41,
      rejected: 2,
      unmatched: 5,
      dropped: 0,
      lastAt: '2026-12-07T11:00:03.000Z',
    };
    const advisories = { status: () => figures } as unknown as AdvisoriesService;
    expect((await new JetStreamOverview(new FakeJetStreamReader(), advisories).read()).advisories).toEqual(figures);
    // Without JetStreamModule too: the advisories are their own subscriber.
    expect((await new JetStreamOverview(undefined, advisories).read()).advisories).toEqual(figures);
  });

  it('rankWorst: ties on pending go to the faster-growing lag, then the tenant id', () => {
    const view = (id: string, growth: number | null) => ({
      ...laggingTenant(id),
      consumers: [consumerFigures('S', 'c', { pending: 10, pendingGrowth: growth, drain: { state: 'unknown' } })],
    });
    expect(rankWorst([view('b', 1), null, view('a', 1), view('c', 5)], 10).map((w) => w.tenantId)).toEqual([
      'c',
      'a',
      'b',
    ]);
  });
});
