import { compareStreams, type RawStream, streamFigures, worst } from './jetstream-figures.js';
import type { StreamFigures } from './jetstream.types.js';

/**
 * Share of the poll interval one poll may take (README, JetStream: bounds). The LockedJob's lock
 * (TTL 2 intervals, at least 30 s) is renewed while a poll runs, so the lock never ends a poll;
 * but a tick that comes while a poll still runs is skipped, so a poll past its interval would
 * delay the next. Past the deadline no more consumer lists are asked.
 */
export const POLL_DEADLINE_SHARE = 0.8;

/** When a poll started at `startMs` stops asking. */
export function pollDeadline(startMs: number, pollIntervalMs: number): number {
  return startMs + POLL_DEADLINE_SHARE * pollIntervalMs;
}

/**
 * The streams of a listing, each name once (the first seen): `STREAM.LIST` pages by offset, so a
 * stream created during the paging shifts the later pages and repeats one stream.
 */
export async function* uniqueStreams(list: AsyncIterable<RawStream>): AsyncGenerator<RawStream> {
  const seen = new Set<string>();
  for await (const raw of list) {
    if (seen.has(raw.config.name)) continue;
    seen.add(raw.config.name);
    yield raw;
  }
}

/** What one poll does for one tenant: the streams it keeps, and those whose consumers it lists. */
export interface TenantPlan {
  tenantId: string;
  streams: { kept: StreamFigures[]; omitted: number };
  /** The kept streams that have consumers: one `CONSUMER.LIST` each (at most the stream bound). */
  toList: string[];
  /** Consumers of the streams not kept (their count from the stream's state): counted, not listed. */
  consumersOmitted: number;
}

/**
 * A tenant's poll: its fullest `maxStreams` streams are kept, and only those with a consumer
 * (`state.consumer_count` > 0) get their consumers listed, so a tenant costs at most
 * `maxStreams` consumer lists a poll; the consumers of the streams left out are counted.
 */
export function planTenant(tenantId: string, raws: RawStream[], maxStreams: number): TenantPlan {
  const all = raws.map(streamFigures);
  const streams = worst(all, maxStreams, compareStreams);
  const count = (list: StreamFigures[]) => list.reduce((sum, s) => sum + s.consumers, 0);
  return {
    tenantId,
    streams,
    toList: streams.kept.filter((s) => s.consumers > 0).map((s) => s.name),
    consumersOmitted: count(all) - count(streams.kept),
  };
}

/** True when every stream the plan lists had its consumers listed before the deadline. */
export function finished(plan: TenantPlan, listed: ReadonlyMap<string, unknown>): boolean {
  return plan.toList.every((name) => listed.has(name));
}

/** The tenants in a poll's order: each poll starts one further on, so a deadline never starves the same tenants. */
export function rotate<T>(items: T[], poll: number): T[] {
  if (items.length === 0) return items;
  const start = poll % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
