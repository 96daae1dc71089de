import { Injectable } from '@nestjs/common';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { parseHeartbeat, parseHeartbeatSubject } from './heartbeat-parser.js';
import { HeartbeatRejections } from './heartbeat-rejections.js';
import { PresenceWriter } from './presence-writer.js';

/**
 * Accepts or rejects one heartbeat. Nothing here awaits: an accepted heartbeat is buffered for
 * the PresenceWriter; a rejected one changes nothing and is counted by reason.
 */
@Injectable()
export class HeartbeatService {
  private accepted = 0;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly writer: PresenceWriter,
    private readonly rejections: HeartbeatRejections,
  ) {}

  ingest(subject: string, data: Uint8Array, receivedAt: number): void {
    const ids = parseHeartbeatSubject(subject);
    if (!ids) {
      this.rejections.record('invalid_subject', 'subject is not _HEARTBEAT.tenant.<id>.client.<id>', subject);
      return;
    }
    // Unknown and disabled tenants first: a flood of made-up ids is rejected before any parsing.
    const tenant = this.directory.get(ids.tenantId);
    if (!tenant) {
      this.rejections.record('unknown_tenant', `tenant ${ids.tenantId} is unknown or disabled`, subject);
      return;
    }
    const result = parseHeartbeat(subject, data, receivedAt, ids);
    if (!result.ok) {
      this.rejections.record(result.reason, result.detail, subject, tenant.id);
      return;
    }
    if (!this.writer.enqueue(result.heartbeat, receivedAt, tenant.tier)) {
      this.rejections.record('shed', 'presence buffer full: heartbeat of a new client shed', subject, tenant.id);
      return;
    }
    this.accepted++;
  }

  stats(): { accepted: number; rejected: Record<string, number> } {
    return { accepted: this.accepted, rejected: this.rejections.counts() };
  }
}
