import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceEventsPublisher } from '../heartbeat/presence-events.publisher.js';
import { JobFailures } from '../jobs/job-failures.js';
import { LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { natsConnectionOptions } from '../nats/nats-connection-options.js';
import { RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import {
  type ConnectionOp,
  type ConnectionRecord,
  ConnectionRepository,
  NATS_COUNTERS,
} from '../heartbeat/connection.repository.js';
import {
  type Attribution,
  type Disconnect,
  IdentityMap,
  isSlowConsumer,
  parseConnz,
  parseEvent,
  type ServerConnection,
} from './system-events.js';

export const SYSTEM_SUBJECTS = [
  '$SYS.ACCOUNT.*.CONNECT',
  '$SYS.ACCOUNT.*.DISCONNECT',
  '$SYS.SERVER.*.CLIENT.AUTH.ERR',
] as const;
const CONNZ_SUBJECT = '$SYS.REQ.SERVER.PING.CONNZ';
const CONNZ_PAGE = 1024;
/** How far instances' clocks may differ when the poll compares connect times with its own. */
const CLOCK_MARGIN_MS = 5000;
/** Changes held per tenant while Redis does not take them; beyond, the oldest are dropped. */
const MAX_PENDING = 10_000;

export interface NatsEventsStatus {
  state: 'off' | 'connected' | 'disconnected';
  /** Why it is off, or the last connection error. */
  detail?: string;
  /** Events whose connection matched no tenant (counted, not stored). */
  unmatched: number;
  /** Payloads that were no advisory Pulse knows. */
  rejected: number;
  lastEventAt: string | null;
}

/**
 * What the NATS server knows about connections, per tenant (README, What the NATS server
 * knows): a system-account connection subscribes to the connect, disconnect and failed-login
 * advisories in the deployment's queue group (each event handled by one instance), attributes
 * each to a tenant (IdentityMap), and writes the changes in batches every flush interval. A
 * scheduled poll of the servers' connections (one instance at a time) fills in what the events
 * missed. Without NATS_SYSTEM_* it is off and says so.
 */
@Injectable()
export class NatsEventsService
  extends LockedJobService<number>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(NatsEventsService.name);
  protected readonly job: LockedJob<number>;
  private nc: NatsConnection | null = null;
  private map: IdentityMap | null = null;
  private pending = new Map<string, ConnectionOp[]>();
  private readonly flushTimer: NamedInterval;
  private unmatched = 0;
  private rejected = 0;
  private lastEventAt: number | null = null;
  private error: string | undefined;

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly directory: TenantDirectory,
    private readonly connections: ConnectionRepository,
    private readonly presenceEvents: PresenceEventsPublisher,
    lock: RedisLock,
    private readonly scheduler: SchedulerRegistry,
    failures: JobFailures,
  ) {
    super();
    directory.subscribe({
      activated: () => (this.map = null),
      deactivated: () => (this.map = null),
      keysRevoked: () => undefined,
    });
    this.flushTimer = new NamedInterval(scheduler, 'nats-events-flush');
    this.job = new LockedJob(
      { lock, scheduler, failures, logger: this.logger },
      {
        name: 'nats-connz',
        intervalMs: options.natsSystem?.pollIntervalMs ?? 30_000,
        lockTtlMs: Math.max(30_000, 2 * (options.natsSystem?.pollIntervalMs ?? 30_000)),
        work: () => this.poll(),
      },
    );
  }

  override onModuleInit(): void {
    if (this.options.natsSystem) super.onModuleInit();
  }

  async onApplicationBootstrap(): Promise<void> {
    const sys = this.options.natsSystem;
    if (!sys) return;
    this.nc = await connect({
      ...natsConnectionOptions(
        {
          ...this.options.nats,
          credsFile: sys.credsFile,
          nkeySeedFile: undefined,
          user: sys.user,
          password: sys.password,
          token: undefined,
        },
        'pulse-system',
      ),
    });
    for (const subject of SYSTEM_SUBJECTS) {
      this.nc.subscribe(subject, {
        queue: this.options.nats.queueGroup,
        callback: (err, msg) => {
          if (!err) this.handle(msg);
        },
      });
    }
    void (async () => {
      for await (const s of this.nc!.status()) {
        if (s.type === 'disconnect' || s.type === 'error') this.error = `NATS system connection: ${s.type}`;
        if (s.type === 'reconnect') this.error = undefined;
      }
    })().catch(() => undefined);
    this.flushTimer.start(this.options.flushIntervalMs, () => void this.flush().catch(() => undefined));
  }

  async onApplicationShutdown(): Promise<void> {
    this.flushTimer.stop();
    await this.flush().catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
  }

  status(): NatsEventsStatus {
    const base = {
      unmatched: this.unmatched,
      rejected: this.rejected,
      lastEventAt: this.lastEventAt === null ? null : new Date(this.lastEventAt).toISOString(),
    };
    if (!this.options.natsSystem)
      return {
        state: 'off',
        detail: 'no system account configured (NATS_SYSTEM_CREDS_FILE or NATS_SYSTEM_USER)',
        ...base,
      };
    const up = this.nc !== null && !this.nc.isClosed() && this.error === undefined;
    return { state: up ? 'connected' : 'disconnected', ...(this.error && { detail: this.error }), ...base };
  }

  private identities(): IdentityMap {
    this.map ??= new IdentityMap(this.directory.list(), this.options.natsSystem?.trustNames ?? false);
    return this.map;
  }

  /** One advisory: parsed, attributed, queued. No I/O. */
  handle(msg: Pick<Msg, 'data'>): void {
    const event = parseEvent(msg.data);
    if (!event) {
      this.rejected++;
      return;
    }
    this.lastEventAt = Date.now();
    const map = this.identities();
    if (event.kind === 'auth_error') {
      const tenantId = map.ofLogin(event.failure.user, event.failure.nkey);
      if (tenantId === null) this.unmatched++;
      else {
        this.queue(tenantId, { op: 'count', field: NATS_COUNTERS.authFailures, n: 1 });
        const identity = event.failure.nkey ?? event.failure.user ?? '(none)';
        this.queue(tenantId, { op: 'authfail', identity, host: event.failure.host ?? 'unknown' });
      }
      return;
    }
    const connection = event.kind === 'connect' ? event.connection : event.disconnect.connection;
    const who = map.attribute(connection);
    if (!who) {
      this.unmatched++;
      return;
    }
    if (event.kind === 'connect') {
      this.opened(who, connection);
    } else {
      this.closed(who, event.disconnect);
    }
  }

  /** A hint (a name alone) is stored and listed, and nothing else: no counter, no event. */
  private opened(who: Attribution, c: ServerConnection): void {
    const record = recordOf(who, c);
    this.queue(who.tenantId, { op: 'open', record, at: Date.now(), hint: who.hint });
    if (who.hint) return;
    this.queue(who.tenantId, { op: 'count', field: NATS_COUNTERS.connects, n: 1 });
    this.publish(who, 'connected', record);
  }

  private closed(who: Attribution, d: Disconnect): void {
    const record: ConnectionRecord = {
      ...recordOf(who, d.connection),
      state: 'disconnected',
      disconnectedAt: d.disconnectedAt,
      reason: d.reason,
      sent: d.sent,
      received: d.received,
    };
    this.queue(who.tenantId, { op: 'close', record, at: Date.now(), hint: who.hint });
    if (who.hint) return;
    if (isSlowConsumer(d.reason)) this.queue(who.tenantId, { op: 'count', field: NATS_COUNTERS.slowConsumers, n: 1 });
    this.publish(who, 'disconnected', record);
  }

  private publish(who: Attribution, type: 'connected' | 'disconnected', record: ConnectionRecord): void {
    this.presenceEvents.publish({
      type,
      tenantId: who.tenantId,
      clientId: who.clientId,
      connection: record,
      at: new Date().toISOString(),
    });
  }

  private queue(tenantId: string, op: ConnectionOp): void {
    let ops = this.pending.get(tenantId);
    if (!ops) this.pending.set(tenantId, (ops = []));
    if (ops.length >= MAX_PENDING) ops.shift();
    ops.push(op);
  }

  /** Writes what was gathered, one Lua call per tenant; a failure keeps it for the next flush. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [tenantId, ops] of batch) {
      try {
        await this.connections.apply(tenantId, ops);
      } catch (err) {
        this.logger.warn(`connection events of ${tenantId} kept for a retry: ${(err as Error).message}`);
        for (const op of ops) this.queue(tenantId, op);
      }
    }
  }

  /**
   * Asks every server for its connections (paged) and reconciles: a connection the events
   * missed is opened; an open one a server that answered no longer has is closed (its
   * disconnect advisory was lost, or Pulse was down). The number of changes.
   */
  private async poll(): Promise<number> {
    if (!this.nc) return 0;
    const seen = new Set<string>();
    const servers = new Set<string>();
    const map = this.identities();
    let changes = 0;
    const askedAt = Date.now();
    for (let offset = 0; ; offset += CONNZ_PAGE) {
      let more = false;
      const replies = await this.nc.requestMany(
        CONNZ_SUBJECT,
        JSON.stringify({ auth: true, limit: CONNZ_PAGE, offset }),
        {
          maxWait: 2000,
        },
      );
      for await (const reply of replies) {
        const page = parseConnz(reply.data);
        if (!page) continue;
        servers.add(page.server);
        if (page.connections.length === CONNZ_PAGE) more = true;
        for (const c of page.connections) {
          seen.add(c.key);
          const who = map.attribute(c);
          if (!who) continue;
          // Opening an open connection again changes nothing; a closed one is never reopened.
          this.queue(who.tenantId, { op: 'open', record: recordOf(who, c), at: Date.now(), hint: who.hint });
        }
      }
      if (!more) break;
    }
    for (const tenant of this.directory.list()) {
      // Only connections open since before the servers were asked can be missing from their
      // answers; one whose connect was written meanwhile is not stale (it was closed as gone,
      // seen on a loaded machine). The margin covers instances' clocks.
      const stale = (await this.connections.openKeys(tenant.id, askedAt - CLOCK_MARGIN_MS)).filter(
        (key) => !seen.has(key) && servers.has(key.slice(0, key.lastIndexOf(':'))),
      );
      for (const record of await this.connections.byKeys(tenant.id, stale)) {
        changes++;
        this.queue(tenant.id, {
          op: 'close',
          record: {
            ...record,
            state: 'disconnected',
            disconnectedAt: new Date().toISOString(),
            reason: 'gone from the server (no disconnect event)',
          },
          at: Date.now(),
          hint: record.by === 'name' && !(this.options.natsSystem?.trustNames ?? false),
        });
      }
    }
    await this.flush();
    return changes;
  }
}

function recordOf(who: Attribution, c: ServerConnection): ConnectionRecord {
  return {
    key: c.key,
    server: c.server,
    cid: c.cid,
    clientId: who.clientId,
    by: who.by,
    verified: who.verified,
    name: c.name,
    account: c.account,
    user: c.user,
    host: c.host,
    lang: c.lang,
    version: c.version,
    rttMs: c.rttMs,
    connectedAt: c.connectedAt,
    state: 'connected',
  };
}
