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

  async clients(
    tenantId: string,
    filter: ClientFilter,
    limit: number,
    after: string | null,
    search?: string,
  ): Promise<{ clients: (ClientPresence & { connection: ClientConnection })[]; nextCursor: string | null }> {
    const sets = setsForFilter(filter);
    if (sets !== null && sets.length === 0) return { clients: [], nextCursor: null };
    const page = search
      ? await this.searchClients(tenantId, sets, limit, after, textFilter(search))
      : await this.store.listClients(tenantId, sets, limit, after);
    const records = this.serverEvents
      ? await this.connections.ofClients(
          tenantId,
          page.clients.map((c) => c.clientId),
        )
      : page.clients.map(() => null);
    const clients = page.clients.map((c, i) => ({ ...c, connection: clientConnection(records[i], c.status) }));
    return { clients, nextCursor: page.last ? encodeCursor(page.last) : null };
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
