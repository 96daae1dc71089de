import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { endedBy, ShutdownClock } from '../common/shutdown-clock.js';
import { dayOf } from '../common/time.js';
import { type AuditEntry, auditId, keyPrefixOf } from './audit.js';
import { AuditRepository } from './audit.repository.js';

export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
const DEFAULT_FLUSH_MS = 10_000;
/** The final flush's own deadline (within the shutdown's bound, ShutdownClock). */
const SHUTDOWN_FLUSH_MS = 2000;
/** Distinct (address, key prefix, reason) failures held between flushes; beyond, folded into one. */
const MAX_FAILURE_SOURCES = 1000;
/**
 * Key prefixes one address has groups for between flushes; its further prefixes are counted
 * under `various`. A guesser picks the prefixes, so they cannot set how many entries it costs.
 */
export const MAX_PREFIXES_PER_ADDRESS = 4;
/** Entries held for a retry while Redis does not take them; beyond, the oldest are dropped (logged). */
const MAX_PENDING = 10_000;
/** Days the failed-authentication counters are kept (the report shows 30). */
const AUTH_FAILURE_DAYS = 31;

export type AuthFailureReason =
  'missing_key' | 'unknown_key' | 'revoked_key' | 'tenant_disabled' | 'admin_key_required' | 'admin_key_as_tenant_key';

interface FailureGroup {
  /** Known for a revoked key and a disabled tenant's key. */
  tenantId?: string;
  sourceIp: string;
  keyPrefix: string;
  reason: AuthFailureReason;
  count: number;
  firstAt: number;
  lastAt: number;
  requestId: string | null;
}

/** What a caller records: an entry but for what `record` derives (id, time, outcome). */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at' | 'outcome' | 'erased'>;

/**
 * Writes the audit trail (README, Compliance). Entries of API writes are appended before the
 * answer leaves (a Redis failure does not fail the request: the entry is retried from memory).
 * Failed authentications are counted in memory per address, key prefix and reason and written
 * as one entry per group each flush, so a guessing client costs one entry per interval, not one
 * per guess; key use is recorded the same way (the latest use per key, as a ZSET maximum).
 *
 * The final flush runs in `onApplicationShutdown`: after the HTTP server has stopped answering
 * (Nest closes it between `beforeApplicationShutdown` and `onApplicationShutdown`), so the failed
 * logins and key uses of the last answers are in it, and before Redis closes (RedisModule's
 * `onApplicationShutdown`, a global module's, runs after every other module's).
 */
@Injectable()
export class AuditService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private readonly retentionMs: number;
  private readonly flushMs: number;
  private failures = new Map<string, FailureGroup>();
  /** address → the key prefixes it has groups for (at most MAX_PREFIXES_PER_ADDRESS), until the flush. */
  private prefixesByAddress = new Map<string, Set<string>>();
  private keyUse = new Map<string, Map<string, number>>();
  private pending: AuditEntry[] = [];
  private readonly timer: NamedInterval;
  private passes: Promise<void> = Promise.resolve();
  private inPass = false;
  /** Records (failed-login groups, held entries, tenants' key uses) the pass under way took and has not yet handled. */
  private taken = 0;

  constructor(
    private readonly repository: AuditRepository,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    scheduler: SchedulerRegistry,
    @Optional() private readonly clock: ShutdownClock = new ShutdownClock(),
  ) {
    this.retentionMs = (options.audit?.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 86_400_000;
    this.flushMs = options.audit?.flushIntervalMs ?? DEFAULT_FLUSH_MS;
    this.timer = new NamedInterval(scheduler, 'audit-flush');
  }

  onModuleInit(): void {
    // A pass still running (Redis slow) is not queued behind: the next tick takes it all.
    this.timer.start(this.flushMs, () => {
      if (!this.inPass) void this.flush();
    });
  }

  /**
   * The final flush, once the HTTP server no longer answers: until SHUTDOWN_FLUSH_MS or the
   * shutdown's bound (ShutdownClock), then what is left is logged.
   */
  async onApplicationShutdown(): Promise<void> {
    this.timer.stop();
    const deadline = this.clock.deadline(SHUTDOWN_FLUSH_MS);
    const done = await endedBy(this.flush(), deadline);
    if (!done) {
      this.logger.error(
        `shutting down with audit records not written to Redis (deadline): ${this.failures.size + this.pending.length + this.keyUse.size + this.taken} (failed-login groups, entries held for a retry, tenants' key uses)`,
      );
    }
  }

  get retentionDays(): number {
    return this.retentionMs / 86_400_000;
  }

  /** Appends one entry (before the caller answers); a failure keeps it for the next flush. */
  async record(r: AuditRecord, now = Date.now()): Promise<AuditEntry> {
    const entry: AuditEntry = {
      id: auditId(now),
      at: new Date(now).toISOString(),
      ...r,
      outcome: r.status < 400 ? 'success' : 'failure',
    };
    try {
      await this.repository.append(entry, this.retentionMs, now);
    } catch (err) {
      this.hold(entry, err);
    }
    return entry;
  }

  /** A request refused for its key: counted, written with the next flush. No I/O here. */
  authFailed(
    sourceIp: string,
    presentedKey: string | null,
    reason: AuthFailureReason,
    requestId: string | null,
    tenantId?: string,
  ): void {
    const keyPrefix = this.boundedPrefix(sourceIp, keyPrefixOf(presentedKey));
    let id = `${sourceIp} ${keyPrefix} ${reason} ${tenantId ?? ''}`;
    if (!this.failures.has(id) && this.failures.size >= MAX_FAILURE_SOURCES) id = 'other';
    const now = Date.now();
    const group = this.failures.get(id);
    if (group) {
      group.count++;
      group.lastAt = now;
    } else {
      this.failures.set(
        id,
        id === 'other'
          ? { sourceIp: 'other', keyPrefix: '', reason, count: 1, firstAt: now, lastAt: now, requestId: null }
          : { tenantId, sourceIp, keyPrefix, reason, count: 1, firstAt: now, lastAt: now, requestId },
      );
    }
  }

  /** The prefix to group by: an address's first few prefixes, then `various` (fixed buckets as they are). */
  private boundedPrefix(sourceIp: string, keyPrefix: string): string {
    if (!keyPrefix.startsWith('pk_')) return keyPrefix; // '', 'other', 'malformed'
    let seen = this.prefixesByAddress.get(sourceIp);
    if (!seen) {
      // As many addresses as groups at most: past that every group folds into `other` anyway.
      if (this.prefixesByAddress.size >= MAX_FAILURE_SOURCES) return 'various';
      this.prefixesByAddress.set(sourceIp, (seen = new Set()));
    }
    if (seen.has(keyPrefix)) return keyPrefix;
    if (seen.size >= MAX_PREFIXES_PER_ADDRESS) return 'various';
    seen.add(keyPrefix);
    return keyPrefix;
  }

  /** A tenant key was accepted: its last use moves (written with the next flush). No I/O here. */
  keyUsed(tenantId: string, keyId: string, at = Date.now()): void {
    let keys = this.keyUse.get(tenantId);
    if (!keys) this.keyUse.set(tenantId, (keys = new Map<string, number>()));
    keys.set(keyId, at);
  }

  /**
   * Writes what was gathered up to this call: passes run one after another, so a caller's pass
   * starts after the one in progress (which took what was gathered before it began).
   */
  flush(): Promise<void> {
    const pass = this.passes.then(() => this.flushNow());
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  private async flushNow(): Promise<void> {
    this.inPass = true;
    try {
      await this.writeGathered();
    } finally {
      this.inPass = false;
    }
  }

  private async writeGathered(): Promise<void> {
    const failures = this.failures;
    const keyUse = this.keyUse;
    const pending = this.pending;
    this.failures = new Map();
    this.prefixesByAddress = new Map();
    this.keyUse = new Map();
    this.pending = [];
    this.taken = pending.length + failures.size + keyUse.size;
    for (const entry of pending) {
      try {
        await this.repository.append(entry, this.retentionMs, Date.parse(entry.at));
      } catch (err) {
        this.hold(entry, err);
      }
      this.taken--;
    }
    for (const g of failures.values()) {
      this.taken--;
      await this.record(
        {
          actor: { type: 'unknown' },
          ...(g.tenantId !== undefined && { tenantId: g.tenantId }),
          action: 'auth.failure',
          target: null,
          requestId: g.requestId,
          sourceIp: g.sourceIp,
          status: 401,
          details: {
            reason: g.reason,
            keyPrefix: g.keyPrefix,
            count: g.count,
            firstAt: new Date(g.firstAt).toISOString(),
            lastAt: new Date(g.lastAt).toISOString(),
          },
        },
        g.lastAt,
      );
    }
    try {
      await this.countFailures(failures);
      for (const [tenantId, uses] of keyUse) {
        await this.repository.keysUsed(tenantId, uses);
        this.taken--;
      }
    } catch (err) {
      this.logger.warn(`Audit counters not written (${(err as Error).message})`);
    } finally {
      this.taken = 0;
    }
  }

  private async countFailures(failures: Map<string, FailureGroup>): Promise<void> {
    if (failures.size === 0) return;
    const byField = new Map<string, number>();
    const byTenant = new Map<string, Map<string, number>>();
    for (const g of failures.values()) {
      const field = `${dayOf(g.lastAt)}:${g.reason}`;
      byField.set(field, (byField.get(field) ?? 0) + g.count);
      if (g.tenantId === undefined) continue;
      let fields = byTenant.get(g.tenantId);
      if (!fields) byTenant.set(g.tenantId, (fields = new Map<string, number>()));
      fields.set(field, (fields.get(field) ?? 0) + g.count);
    }
    // Days past the report's window are dropped.
    const oldest = dayOf(Date.now() - AUTH_FAILURE_DAYS * 86_400_000);
    await this.repository.countAuthFailures(byField, oldest);
    for (const [tenantId, fields] of byTenant) await this.repository.countTenantAuthFailures(tenantId, fields, oldest);
  }

  private hold(entry: AuditEntry, err: unknown): void {
    this.logger.warn(`Audit entry ${entry.id} (${entry.action}) kept for a retry: ${(err as Error).message}`);
    if (this.pending.length >= MAX_PENDING) {
      const dropped = this.pending.shift();
      this.logger.error(`Audit entry ${dropped?.id} dropped: ${MAX_PENDING} entries wait for Redis`);
    }
    this.pending.push(entry);
  }
}
