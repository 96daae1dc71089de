import { Inject, Injectable, Optional } from '@nestjs/common';
import { SharedReads } from '../common/shared-reads.js';
import {
  type DrainState,
  JETSTREAM_READER,
  type JetStreamReader,
  type TenantJetStream,
  type TenantWorstConsumer,
} from '../jetstream/jetstream.types.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';

/** Tenants the console lists by their worst consumer, at most. */
export const WORST_TENANTS = 20;
/** The ranking is read once for every console open within this long (it reads every tenant). */
const WORST_SHARED_MS = 10_000;
/** Tenants read at once where the reader has no batched `worst` read. */
const READ_CHUNK = 50;

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

/** The console's JetStream block: the poller's status and the tenants by worst consumer. */
export interface JetStreamOverviewBody {
  status: { state: 'off' | 'ok' | 'error'; detail: string | null; lastPollAt: string | null; unowned: number };
  worstConsumers: WorstConsumerRow[];
}

/** Each tenant's worst consumer (the poll keeps them worst first), tenants by its lag, at most `limit`. */
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
 * The operator console's view of the tenants' JetStream (admin key): the poller's status and the
 * WORST_TENANTS tenants whose worst consumer lags most. With JetStreamModule absent, the state is
 * `off` and the list empty.
 */
@Injectable()
export class JetStreamOverview {
  private readonly shared = new SharedReads<TenantWorstConsumer[]>(WORST_SHARED_MS, 1);

  constructor(
    private readonly directory: TenantDirectory,
    /** JetStreamModule's reader; absent where that module is not imported. */
    @Optional() @Inject(JETSTREAM_READER) private readonly reader?: JetStreamReader,
  ) {}

  async read(now = Date.now()): Promise<JetStreamOverviewBody> {
    const reader = this.reader;
    if (!reader) return { status: { state: 'off', detail: null, lastPollAt: null, unowned: 0 }, worstConsumers: [] };
    const s = reader.status();
    const worst = s.state === 'off' ? [] : await this.shared.get('worst', now, () => this.worst(reader));
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
    };
  }

  /** One batched read where the reader has it; else each tenant's last poll, a chunk at a time. */
  private async worst(reader: JetStreamReader): Promise<TenantWorstConsumer[]> {
    if (reader.worst) return (await reader.worst(WORST_TENANTS)).slice(0, WORST_TENANTS);
    const ids = this.directory.list().map((t) => t.id);
    const views: (TenantJetStream | null)[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      views.push(...(await Promise.all(ids.slice(i, i + READ_CHUNK).map((id) => reader.current(id)))));
    }
    return rankWorst(views, WORST_TENANTS);
  }
}
