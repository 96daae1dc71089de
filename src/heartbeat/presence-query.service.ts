import { Injectable } from '@nestjs/common';
import { PresenceRepository, type ClientPresence, type PresenceSummary } from './presence.repository.js';

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
  constructor(private readonly store: PresenceRepository) {}

  summary(tenantId: string): Promise<PresenceSummary> {
    return this.store.summary(tenantId);
  }

  rejections(tenantId: string): Promise<Record<string, number>> {
    return this.store.rejections(tenantId);
  }

  async clients(
    tenantId: string,
    filter: ClientFilter,
    limit: number,
    after: string | null,
  ): Promise<{ clients: ClientPresence[]; nextCursor: string | null }> {
    const sets = setsForFilter(filter);
    if (sets !== null && sets.length === 0) return { clients: [], nextCursor: null };
    const page = await this.store.listClients(tenantId, sets, limit, after);
    return { clients: page.clients, nextCursor: page.last ? encodeCursor(page.last) : null };
  }
}
