import { Injectable } from '@nestjs/common';
import { HistoryReader, type RawRealtime } from '../history/history-reader.js';

export type { RawRealtime } from '../history/history-reader.js';

/** Metrics' reads of the counters the flusher writes, through the history store; each scoped to one tenant. */
@Injectable()
export class MetricsRepository {
  constructor(private readonly history: HistoryReader) {}

  /** Today's message count of each tenant (one command each, sent together). */
  messagesOn(tenantIds: string[], day: string): Promise<number[]> {
    return this.history.messagesOn(tenantIds, day);
  }

  readRealtime(tenantId: string, day: string, minuteEpochs: number[], top: number): Promise<RawRealtime> {
    return this.history.realtime(tenantId, day, minuteEpochs, top);
  }
}
