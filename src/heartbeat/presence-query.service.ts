import { Inject, Injectable } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { type ConnectionRecord, ConnectionRepository, type ConnectionSummary } from './connection.repository.js';
import { textFilter } from '../common/text-filter.js';
import { PresenceRepository, type ClientPresence, type PresenceSummary } from './presence.repository.js';

/** A client's connection as the NATS server reported it (system account on), or unknown. */
export interface ClientConnection {
  state: 'connected' | 'disconnected' | 'unknown';
  /** Connected while its heartbeats stopped (offline): a stuck process. */
  silent: boolean;
  /** The NATS server it is (or was last) connected to. */
  server: string | null;
  connectedSince: string | null;
  rttMs: number | null;
  lang: string | null;
  version: string | null;
  disconnectedAt: string | null;
  reason: string | null;
  sent: { msgs: number; bytes: number } | null;
  received: { msgs: number; bytes: number } | null;
}

export function clientConnection(record: ConnectionRecord | null, status: string): ClientConnection {
  if (!record)
    return {
      state: 'unknown',
      silent: false,
      server: null,
      connectedSince: null,
      rttMs: null,
      lang: null,
      version: null,
      disconnectedAt: null,
      reason: null,
      sent: null,
      received: null,
    };
  return {
    state: record.state,
    silent: record.state === 'connected' && status === 'offline',
    server: record.server,
    connectedSince: record.connectedAt,
    rttMs: record.rttMs,
    lang: record.lang,
    version: record.version,
    disconnectedAt: record.disconnectedAt ?? null,
    reason: record.reason ?? null,
    sent: record.sent ?? null,
    received: record.received ?? null,
  };
}

export interface ClientFilter {
  status?: 'healthy' | 'degraded' | 'unhealthy' | 'offline';
  online?: boolean;
}

const ONLINE_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
/** Client ids read per batch while filtering by `search`. */
const SEARCH_BATCH = 500;
/** Client ids one filtered page looks at most (its cursor continues from there). */
export const SEARCH_SCAN_BUDGET = 20_000;

export function encodeCursor(lastClientId: string): string {
  return Buffer.from(`c:${lastClientId}`, 'utf8').toString('base64url');
}

/** The client id a cursor points after, or null when the cursor is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('c:')) return null;
  const id = text.slice(2);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

/** A cursor of the list sorted by last seen: the rows looked at so far. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

/** The offset a last-seen cursor points at, or null when the cursor is not one of ours. */
export function decodeOffsetCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^o:\d{1,9}$/.test(text) ? Number(text.slice(2)) : null;
}

/** How a client list is ordered: by id (lexical), or most recently seen first. */
export const CLIENT_SORTS = ['clientId', 'lastSeen'] as const;
export type ClientSort = (typeof CLIENT_SORTS)[number];

/** Which lexical sets hold the clients a filter asks for (null = all clients; [] = none). */
export function setsForFilter(filter: ClientFilter): readonly string[] | null {
  const { status, online } = filter;
  if (status) {
    const isOnline = status !== 'offline';
    return online === undefined || online === isOnline ? [status] : [];
  }
  if (online === true) return ONLINE_STATUSES;
  if (online === false) return ['offline'];
  return null;
}

@Injectable()
export class PresenceQueryService {
  private readonly serverEvents: boolean;

  constructor(
    private readonly store: PresenceRepository,
    private readonly connections: ConnectionRepository,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
  ) {
    this.serverEvents = options.natsSystem !== undefined;
  }

  summary(tenantId: string): Promise<PresenceSummary> {
    return this.store.summary(tenantId);
  }

  /** The tenant's NATS connections as the server reports them; null without a system account. */
  connectionSummary(tenantId: string): Promise<ConnectionSummary | null> {
    return this.serverEvents ? this.connections.summary(tenantId) : Promise.resolve(null);
  }

  /** Open (or the last closed) connections, newest first; null without a system account. */
  connectionList(tenantId: string, state: 'open' | 'closed'): Promise<ConnectionRecord[] | null> {
    return this.serverEvents ? this.connections.list(tenantId, state) : Promise.resolve(null);
  }

  /**
   * One client's connection (the open one, else its latest close) and its latest closed
   * connections (at most `closes`, newest first, from the tenant's kept closes); unknown and
   * none without a system account.
   */
  async clientConnections(
    tenantId: string,
    clientId: string,
    status: string,
    closes: number,
  ): Promise<{ connection: ClientConnection; closed: ConnectionRecord[] }> {
    if (!this.serverEvents) return { connection: clientConnection(null, status), closed: [] };
    const [[record], closed] = await Promise.all([
      this.connections.ofClients(tenantId, [clientId]),
      this.connections.list(tenantId, 'closed'),
    ]);
    return {
      connection: clientConnection(record, status),
      closed: closed.filter((c) => c.clientId === clientId && c.verified).slice(0, closes),
    };
  }

  rejections(tenantId: string): Promise<Record<string, number>> {
    return this.store.rejections(tenantId);
  }

  /**
   * A page of clients: by id after the id `after` (a string), or (`sort` lastSeen) most recently
   * seen first from the offset `after` (a number); `search` keeps the ids it matches.
   */
  async clients(
    tenantId: string,
    filter: ClientFilter,
    limit: number,
    after: string | number | null,
    search?: string,
    sort: ClientSort = 'clientId',
  ): Promise<{ clients: (ClientPresence & { connection: ClientConnection })[]; nextCursor: string | null }> {
    const sets = setsForFilter(filter);
    if (sets !== null && sets.length === 0) return { clients: [], nextCursor: null };
    const keep = search ? textFilter(search) : null;
    let page: { clients: ClientPresence[]; next: string | null };
    if (sort === 'lastSeen') {
      const seen = await this.bySeen(tenantId, sets, limit, typeof after === 'number' ? after : 0, keep);
      page = { clients: seen.clients, next: seen.next === null ? null : encodeOffsetCursor(seen.next) };
    } else {
      const from = typeof after === 'string' ? after : null;
      const byId = keep
        ? await this.searchClients(tenantId, sets, limit, from, keep)
        : await this.store.listClients(tenantId, sets, limit, from);
      page = { clients: byId.clients, next: byId.last ? encodeCursor(byId.last) : null };
    }
    const records = this.serverEvents
      ? await this.connections.ofClients(
          tenantId,
          page.clients.map((c) => c.clientId),
        )
      : page.clients.map(() => null);
    const clients = page.clients.map((c, i) => ({ ...c, connection: clientConnection(records[i], c.status) }));
    return { clients, nextCursor: page.next };
  }

  /**
   * A page of clients most recently seen first, from `offset` in the last-seen order: read in
   * batches and kept when their status is in `sets` and `keep` matches their id, at most
   * SEARCH_SCAN_BUDGET clients looked at per request; `next` the offset to continue from.
   * Offsets move as clients are seen again: a client may show on two pages, or on none.
   */
  private async bySeen(
    tenantId: string,
    sets: readonly string[] | null,
    limit: number,
    offset: number,
    keep: ((id: string) => boolean) | null,
  ): Promise<{ clients: ClientPresence[]; next: number | null }> {
    const statuses = sets === null ? null : new Set(sets);
    const batch = statuses || keep ? SEARCH_BATCH : limit;
    const kept: ClientPresence[] = [];
    let at = offset;
    for (let scanned = 0; ;) {
      const ids = await this.store.recentlySeen(tenantId, at, batch);
      // Only the ids the search keeps cost a row read.
      const candidates = keep ? ids.filter(keep) : ids;
      const rows = new Map((await this.store.rows(tenantId, candidates)).map((r) => [r.clientId, r]));
      let i = 0;
      for (; i < ids.length && kept.length < limit; i++) {
        const row = rows.get(ids[i]);
        if (row && (!statuses || statuses.has(row.status))) kept.push(row);
      }
      at += i;
      scanned += i;
      if (i === ids.length && ids.length < batch) return { clients: kept, next: null };
      if (kept.length >= limit || scanned >= SEARCH_SCAN_BUDGET) return { clients: kept, next: at };
    }
  }

  /**
   * A page of the clients whose id the filter keeps, in id order: ids are read in batches after
   * the cursor and filtered here, at most SEARCH_SCAN_BUDGET ids per request; a page that ran out
   * of budget ends early and its cursor continues from the last id looked at.
   */
  private async searchClients(
    tenantId: string,
    sets: readonly string[] | null,
    limit: number,
    after: string | null,
    keep: (id: string) => boolean,
  ): Promise<{ clients: ClientPresence[]; last: string | null }> {
    const kept: string[] = [];
    let cursor = after;
    let scanned = 0;
    for (;;) {
      const { ids, more } = await this.store.clientIds(tenantId, sets, SEARCH_BATCH, cursor);
      let i = 0;
      for (; i < ids.length && kept.length < limit; i++) if (keep(ids[i])) kept.push(ids[i]);
      scanned += i;
      if (i > 0) cursor = ids[i - 1];
      const left = i < ids.length || more;
      if (!left) return { clients: await this.store.rows(tenantId, kept), last: null };
      if (kept.length >= limit || scanned >= SEARCH_SCAN_BUDGET)
        return { clients: await this.store.rows(tenantId, kept), last: cursor };
    }
  }
}
