import { Inject, Injectable, Optional } from '@nestjs/common';
import { SharedReads } from '../common/shared-reads.js';
import { type AdvisoriesStatus, AdvisoriesService } from '../jetstream/advisories.service.js';
import {
  type DrainState,
  JETSTREAM_READER,
  type JetStreamReader,
  type TenantJetStream,
  type TenantWorstConsumer,
} from '../jetstream/jetstream.types.js';

/** Tenants the console lists by their worst consumer, at most. */
export const WORST_TENANTS = 20;
/** The ranking is read once for every console open within this long. */
const WORST_SHARED_MS = 10_000;

/** One line of the console's JetStream table: a tenant and its worst consumer. */
export interface WorstConsumerRow {
  tenantId: string;
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
  drain: DrainState;
  polledAt: string;
}

/**
 * The console's JetStream block: the poller's status, the tenants by worst consumer, and the
 * advisories this instance handled (the queue group shares them out: each instance its part).
 */
export interface JetStreamOverviewBody {
  status: { state: 'off' | 'ok' | 'error'; detail: string | null; lastPollAt: string | null; unowned: number };
  worstConsumers: WorstConsumerRow[];
  advisories: AdvisoriesStatus;
}

/** The advisories' figures without AdvisoriesModule. */
const ADVISORIES_OFF: AdvisoriesStatus = {
  state: 'off',
  counted: 0,
  rejected: 0,
  unmatched: 0,
  dropped: 0,
  lastAt: null,
};

/**
 * Each tenant's worst consumer (the poll keeps them worst first), tenants by its lag, at most
 * `limit`: the order `JetStreamReader.worst` answers in (the test readers rank with it).
 */
export function rankWorst(views: (TenantJetStream | null)[], limit: number): TenantWorstConsumer[] {
  return views
    .filter((v): v is TenantJetStream => v !== null && v.consumers.length > 0)
    .map((v) => ({ tenantId: v.tenantId, polledAt: v.polledAt, consumer: v.consumers[0] }))
    .sort(
      (a, b) =>
        b.consumer.pending - a.consumer.pending ||
        (b.consumer.pendingGrowth ?? 0) - (a.consumer.pendingGrowth ?? 0) ||
        (a.tenantId < b.tenantId ? -1 : 1),
    )
    .slice(0, limit);
}

/**
 * The operator console's view of the tenants' JetStream (admin key): the poller's status, the
 * WORST_TENANTS tenants whose worst consumer lags most and this instance's advisory counts. With
 * JetStreamModule absent, the state is `off` and the list empty; without AdvisoriesModule, the
 * advisories are `off`.
 */
@Injectable()
export class JetStreamOverview {
  private readonly shared = new SharedReads<TenantWorstConsumer[]>(WORST_SHARED_MS, 1);

  constructor(
    /** JetStreamModule's reader; absent where that module is not imported. */
    @Optional() @Inject(JETSTREAM_READER) private readonly reader?: JetStreamReader,
    /** AdvisoriesModule's subscriber; absent where that module is not imported. */
    @Optional() private readonly advisories?: AdvisoriesService,
  ) {}

  async read(now = Date.now()): Promise<JetStreamOverviewBody> {
    const reader = this.reader;
    const advisories = this.advisories?.status() ?? ADVISORIES_OFF;
    if (!reader)
      return { status: { state: 'off', detail: null, lastPollAt: null, unowned: 0 }, worstConsumers: [], advisories };
    const s = reader.status();
    const worst =
      s.state === 'off'
        ? []
        : await this.shared.get('worst', now, async () => (await reader.worst(WORST_TENANTS)).slice(0, WORST_TENANTS));
    return {
      status: { state: s.state, detail: s.detail ?? null, lastPollAt: s.lastPollAt, unowned: s.unowned },
      worstConsumers: worst.map((w) => ({
        tenantId: w.tenantId,
        stream: w.consumer.stream,
        consumer: w.consumer.name,
        pending: w.consumer.pending,
        ackPending: w.consumer.ackPending,
        drain: w.consumer.drain,
        polledAt: w.polledAt,
      })),
      advisories,
    };
  }
}
