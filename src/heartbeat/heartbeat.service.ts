import { Injectable } from '@nestjs/common';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { heartbeatSubjectTenant, parseHeartbeat, parseHeartbeatSubject } from './heartbeat-parser.js';
import { HeartbeatRejections } from './heartbeat-rejections.js';
import { PresenceWriter } from './presence-writer.js';

/**
 * Accepts or rejects one heartbeat. Nothing here awaits: an accepted heartbeat is buffered for
 * the PresenceWriter; a rejected one changes nothing and is counted by reason. Every heartbeat on
 * a known tenant's subject, accepted or rejected, is also counted as a delivery to Pulse for that
 * tenant (`pd_m`/`pd_b`: the NATS server counts it in the tenant account's egress). One on an
 * unknown or disabled tenant's subject cannot be attributed and is not counted.
 */
@Injectable()
export class HeartbeatService {
  private accepted = 0;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly writer: PresenceWriter,
    private readonly rejections: HeartbeatRejections,
  ) {}

  /**
   * `wireBytes`: the message's bytes as the NATS server counts its delivery (headers + payload;
   * nats/wire-bytes.ts), the payload's length when not given.
   */
  ingest(subject: string, data: Uint8Array, receivedAt: number, wireBytes = data.length): void {
    const ids = parseHeartbeatSubject(subject);
    if (!ids) {
      // A bad client token on a known tenant's subject is still the server's delivery for that
      // tenant, and its rejection is counted for that tenant (its health-check shows it).
      const subjectTenant = heartbeatSubjectTenant(subject);
      const known = subjectTenant !== null ? this.directory.get(subjectTenant) : undefined;
      if (known) this.writer.countDelivered(known.id, wireBytes);
      this.rejections.record(
        'invalid_subject',
        'subject is not _HEARTBEAT.tenant.<id>.client.<id>',
        subject,
        known ? known.id : undefined,
      );
      return;
    }
    // Unknown and disabled tenants first: a flood of made-up ids is rejected before any parsing.
    const tenant = this.directory.get(ids.tenantId);
    if (!tenant) {
      this.rejections.record('unknown_tenant', `tenant ${ids.tenantId} is unknown or disabled`, subject);
      return;
    }
    this.writer.countDelivered(tenant.id, wireBytes);
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
