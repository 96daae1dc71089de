import { Inject, Injectable } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { type ConnectionRecord, ConnectionRepository, type ConnectionSummary } from './connection.repository.js';
import { PresenceRepository, type ClientPresence, type PresenceSummary } from './presence.repository.js';

/** A client's connection as the NATS server reported it (system account on), or unknown. */
export interface ClientConnection {
  state: 'connected' | 'disconnected' | 'unknown';
  /** Connected while its heartbeats stopped (offline): a stuck process. */
  silent: boolean;
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

  rejections(tenantId: string): Promise<Record<string, number>> {
    return this.store.rejections(tenantId);
  }

  async clients(
    tenantId: string,
    filter: ClientFilter,
    limit: number,
    after: string | null,
  ): Promise<{ clients: (ClientPresence & { connection: ClientConnection })[]; nextCursor: string | null }> {
    const sets = setsForFilter(filter);
    if (sets !== null && sets.length === 0) return { clients: [], nextCursor: null };
    const page = await this.store.listClients(tenantId, sets, limit, after);
    const records = this.serverEvents
      ? await this.connections.ofClients(
          tenantId,
          page.clients.map((c) => c.clientId),
        )
      : page.clients.map(() => null);
    const clients = page.clients.map((c, i) => ({ ...c, connection: clientConnection(records[i], c.status) }));
    return { clients, nextCursor: page.last ? encodeCursor(page.last) : null };
  }
}
