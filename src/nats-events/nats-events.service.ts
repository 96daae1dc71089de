import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { connect, type Msg, type NatsConnection, PermissionViolationError } from '@nats-io/transport-node';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceEventsPublisher } from '../heartbeat/presence-events.publisher.js';
import { JobFailures } from '../jobs/job-failures.js';
import { LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { drainWithin } from '../nats/drain-within.js';
import { natsConnectionOptions } from '../nats/nats-connection-options.js';
import { RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type { Tenant } from '../tenants/tenant.js';
import {
  type ConnectionOp,
  type ConnectionRecord,
  ConnectionRepository,
  NATS_COUNTERS,
} from '../heartbeat/connection.repository.js';
import {
  accountSnapshot,
  type AccountDetail,
  type AccountFigures,
  type AccountJetStream,
  parseAccountConns,
  parseAccountStatz,
  parseAccountz,
  parseJsz,
  refusalOf,
  subjectsSnapshot,
} from './server-figures.js';
import { ServerUsageRepository } from './server-usage.repository.js';
import {
  type Attribution,
  type Disconnect,
  IdentityMap,
  isSlowConsumer,
  parseConnz,
  parseEvent,
  type ServerConnection,
} from './system-events.js';
import { accountSource, staleWindowSeconds, UsageBatch } from './usage-batch.js';

export const SYSTEM_SUBJECTS = [
  '$SYS.ACCOUNT.*.CONNECT',
  '$SYS.ACCOUNT.*.DISCONNECT',
  '$SYS.SERVER.*.CLIENT.AUTH.ERR',
  /** An account's connections and its cumulative messages and bytes, on every change of its connections. */
  '$SYS.ACCOUNT.*.SERVER.CONNS',
] as const;
const CONNZ_SUBJECT = '$SYS.REQ.SERVER.PING.CONNZ';
const CONNZ_PAGE = 1024;
/** The accounts shape's requests (README, What the NATS server knows): every server answers each. */
export const ACCOUNT_SUBJECTS = {
  statz: '$SYS.REQ.ACCOUNT.PING.STATZ',
  accountz: '$SYS.REQ.SERVER.PING.ACCOUNTZ',
  jsz: '$SYS.REQ.SERVER.PING.JSZ',
} as const;
/** Accounts named in one STATZ request. */
const STATZ_ACCOUNTS_PER_REQUEST = 100;
/** Accounts whose ACCOUNTZ and JSZ are asked at once. */
const ACCOUNTS_AT_ONCE = 8;
/** A request's deadline: how long a poll waits for the servers' replies. */
const REQUEST_DEADLINE_MS = 2000;
/**
 * Every this many polls (and an instance's first), the servers are counted again: the first
 * request of each subject waits its whole deadline and learns how many servers answer it; the
 * requests after it end as soon as that many have answered.
 */
const FULL_ROUND_EVERY = 10;
/** How far instances' clocks may differ when the poll compares connect times with its own. */
const CLOCK_MARGIN_MS = 5000;
/** How long a shutdown waits for the system connection's drain before its last flush. */
const DRAIN_DEADLINE_MS = 5000;
/** Changes held per tenant while Redis does not take them; beyond, the oldest are dropped. */
const MAX_PENDING = 10_000;

export interface NatsEventsStatus {
  state: 'off' | 'connected' | 'disconnected';
  /** Why it is off, the last connection error, or a permission the system user lacks. */
  detail?: string;
  /** Events whose connection matched no tenant (counted, not stored). */
  unmatched: number;
  /** Payloads that were no advisory Pulse knows. */
  rejected: number;
  lastEventAt: string | null;
  /** When the last usage poll ran (any instance's: the one holding the lock). */
  lastPollAt: string | null;
}

/**
 * What the NATS server knows about connections, per tenant (README, What the NATS server
 * knows): a system-account connection subscribes to the connect, disconnect and failed-login
 * advisories in the deployment's queue group (each event handled by one instance), attributes
 * each to a tenant (IdentityMap), and writes the changes in batches every flush interval. A
 * scheduled poll of the servers' connections (one instance at a time) fills in what the events
 * missed. What the server counts (issue #34) goes to the tenant's history through
 * ServerUsageRepository: the poll's CONNZ counters of the tenant's verified connections and the
 * final counts of their disconnects (the subjects shape), or its account's STATZ and CONNS figures
 * (the accounts shape: `natsAccount`), with a ServerSnapshot per tenant and poll. Without
 * NATS_SYSTEM_* it is off and says so.
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
  /** Account → its tenant (tenants with their own account), rebuilt with the identity map. */
  private accounts: Map<string, string> | null = null;
  private pending = new Map<string, ConnectionOp[]>();
  private usage = new Map<string, UsageBatch>();
  private readonly flushTimer: NamedInterval;
  private unmatched = 0;
  private rejected = 0;
  private lastEventAt: number | null = null;
  private error: string | undefined;
  /** A permission the system user lacks (a subscription or request refused): said, not fatal. */
  private permission: string | undefined;
  private lastPollAt: number | null = null;
  /** Polls this instance ran; every FULL_ROUND_EVERY-th counts the servers again (see ask). */
  private rounds = 0;
  /** Subject → how many servers answered its first request since they were last counted. */
  private readonly answering = new Map<string, number>();
  /** When lastPollAt was last read from Redis (another instance may hold the poll's lock). */
  private pollReadAt = 0;
  /** How long the shutdown waits for the system connection to drain. */
  private drainMs = DRAIN_DEADLINE_MS;

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly directory: TenantDirectory,
    private readonly connections: ConnectionRepository,
    private readonly presenceEvents: PresenceEventsPublisher,
    private readonly serverUsage: ServerUsageRepository,
    lock: RedisLock,
    private readonly scheduler: SchedulerRegistry,
    failures: JobFailures,
  ) {
    super();
    directory.subscribe({
      activated: () => (this.map = this.accounts = null),
      deactivated: () => (this.map = this.accounts = null),
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
        // A subscription or request the system user may not make: said in the detail; the
        // connection and everything else it may do go on.
        if (s.type === 'error' && s.error instanceof PermissionViolationError) {
          this.permission = `the system user may not ${s.error.operation === 'publish' ? 'publish to' : 'subscribe to'} ${s.error.subject}`;
          continue;
        }
        if (s.type === 'disconnect' || s.type === 'error') this.error = `NATS system connection: ${s.type}`;
        if (s.type === 'reconnect') this.error = undefined;
      }
    })().catch(() => undefined);
    this.flushTimer.start(this.options.flushIntervalMs, () => void this.tick().catch(() => undefined));
  }

  /**
   * The poll stops (beforeApplicationShutdown; again here), the system connection drains first,
   * within its deadline (then it is closed without): the advisories it still delivers (a
   * disconnect's final counts) are handled; then the last flush writes everything gathered.
   */
  async onApplicationShutdown(): Promise<void> {
    this.job.stop();
    this.flushTimer.stop();
    if (this.nc)
      await drainWithin(this.nc, 'NATS system connection', (message) => this.logger.warn(message), this.drainMs);
    await this.flush().catch(() => undefined);
  }

  status(): NatsEventsStatus {
    const base = {
      unmatched: this.unmatched,
      rejected: this.rejected,
      lastEventAt: this.lastEventAt === null ? null : new Date(this.lastEventAt).toISOString(),
      lastPollAt: this.lastPollAt === null ? null : new Date(this.lastPollAt).toISOString(),
    };
    if (!this.options.natsSystem)
      return {
        state: 'off',
        detail: 'no system account configured (NATS_SYSTEM_CREDS_FILE or NATS_SYSTEM_USER)',
        ...base,
      };
    const up = this.nc !== null && !this.nc.isClosed() && this.error === undefined;
    const detail = this.error ?? this.permission;
    return { state: up ? 'connected' : 'disconnected', ...(detail && { detail }), ...base };
  }

  private identities(): IdentityMap {
    this.map ??= new IdentityMap(this.directory.list(), this.options.natsSystem?.trustNames ?? false);
    return this.map;
  }

  /** The tenant whose own account this is (the accounts shape), or undefined. */
  private tenantOfAccount(account: string): string | undefined {
    this.accounts ??= new Map(
      this.directory.list().flatMap((t) => (t.natsAccount === null ? [] : [[t.natsAccount, t.id] as const])),
    );
    return this.accounts.get(account);
  }

  /** Whether the tenant has its own account: its figures are counted per account, not per connection. */
  private accountShape(tenantId: string): boolean {
    return (this.directory.get(tenantId)?.natsAccount ?? null) !== null;
  }

  /** One advisory: parsed, attributed, queued. No I/O. */
  handle(msg: Pick<Msg, 'data'> & { subject?: string }): void {
    if (msg.subject?.endsWith('.SERVER.CONNS')) {
      this.handleAccountConns(msg.data);
      return;
    }
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

  /**
   * An account's connections changed (`$SYS.ACCOUNT.<account>.SERVER.CONNS`): its cumulative
   * figures on that server, counted for the tenant whose own account it is. Others' are ignored.
   */
  private handleAccountConns(data: Uint8Array): void {
    const figures = parseAccountConns(data);
    if (!figures) {
      this.rejected++;
      return;
    }
    this.lastEventAt = Date.now();
    const tenantId = this.tenantOfAccount(figures.account);
    if (tenantId !== undefined) this.countAccount(tenantId, figures);
  }

  /**
   * The account's figures on one server, from the tenant's baseline of it since its natsAccount
   * was set (accountSource). The first sighting counts nothing: the account's traffic before the
   * tenant had it (or before Pulse watched) is not the tenant's; the server's CONNS advisory on
   * the account's first connection makes that sighting come before its traffic on that server.
   */
  private countAccount(tenantId: string, f: AccountFigures): void {
    const since = this.directory.get(tenantId)?.natsAccountSince;
    this.usageOf(tenantId).accountFigures(accountSource(f.account, f.server, since), f.counts);
  }

  private usageOf(tenantId: string): UsageBatch {
    let batch = this.usage.get(tenantId);
    if (!batch) this.usage.set(tenantId, (batch = new UsageBatch()));
    return batch;
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
    const refusal = refusalOf(d.reason);
    // A connection refused for the account's connection limit never was one: its connect advisory
    // (sent before the server checked the limit) is taken back from the connects.
    if (refusal === 'connections') this.queue(who.tenantId, { op: 'count', field: NATS_COUNTERS.connects, n: -1 });
    if (who.verified) {
      const source = d.connection.key;
      // The client's `sent` is what it published to the server (ingress), `received` what it was delivered.
      if (!this.accountShape(who.tenantId))
        this.usageOf(who.tenantId).final(source, { ingress: d.sent, egress: d.received }, refusal);
      else if (refusal !== null) this.usageOf(who.tenantId).refused(source, refusal);
    }
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

  /**
   * Writes what was gathered, one Lua call per tenant for its connections and one for its server
   * figures; a failure keeps them for the next flush (writing figures again counts nothing again).
   */
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
    const usage = this.usage;
    this.usage = new Map();
    const now = Date.now();
    const window = staleWindowSeconds(this.options.natsSystem?.pollIntervalMs ?? 30_000);
    for (const [tenantId, figures] of usage) {
      // Kept for retries past the stale window: its connections' tombstones may be gone, so its
      // final counts would count again. Dropped (the next poll reads the open ones again).
      if (now - figures.since > window * 1000) {
        this.logger.warn(`server figures of ${tenantId} dropped: kept for retries longer than ${window} s`);
        continue;
      }
      if (figures.dropped > 0) {
        this.logger.warn(`${figures.dropped} sources of server figures of ${tenantId} dropped (the batch was full)`);
        figures.dropped = 0;
      }
      try {
        await this.serverUsage.apply(tenantId, figures, {
          now,
          minuteSeconds: this.directory.retentionOf(tenantId).minuteSeconds,
          snapshotSeconds: this.snapshotSeconds(),
          tombstoneSeconds: window,
        });
      } catch (err) {
        this.logger.warn(`server figures of ${tenantId} kept for a retry: ${(err as Error).message}`);
        this.usageOf(tenantId).absorb(figures);
      }
    }
  }

  /** A snapshot outlives 10 polls, at least 10 minutes. */
  private snapshotSeconds(): number {
    return Math.max(600, Math.ceil((10 * (this.options.natsSystem?.pollIntervalMs ?? 30_000)) / 1000));
  }

  /** Every flush interval: the flush, and now and then when the last poll ran (any instance's). */
  private async tick(): Promise<void> {
    await this.flush();
    if (Date.now() - this.pollReadAt < 5000) return;
    this.pollReadAt = Date.now();
    const polled = await this.serverUsage.lastPolled();
    if (polled !== null && polled > (this.lastPollAt ?? 0)) this.lastPollAt = polled;
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
    if (this.rounds++ % FULL_ROUND_EVERY === 0) this.answering.clear();
    /** Tenant → its verified connections' subscriptions, by connection (a page may repeat one). */
    const attributed = new Map<string, Map<string, number>>();
    /** Tenant with its own account → its account's connections' subscriptions, by connection. */
    const inAccount = new Map<string, Map<string, number>>();
    for (let offset = 0; ; offset += CONNZ_PAGE) {
      let more = false;
      for (const reply of await this.ask(CONNZ_SUBJECT, { auth: true, limit: CONNZ_PAGE, offset })) {
        const page = parseConnz(reply);
        if (!page) continue;
        servers.add(page.server);
        if (page.connections.length === CONNZ_PAGE) more = true;
        for (const c of page.connections) {
          seen.add(c.key);
          const owner = c.account === null ? undefined : this.tenantOfAccount(c.account);
          if (owner !== undefined) {
            let subs = inAccount.get(owner);
            if (!subs) inAccount.set(owner, (subs = new Map<string, number>()));
            subs.set(c.key, c.subscriptions);
          }
          const who = map.attribute(c);
          if (!who) continue;
          // Opening an open connection again changes nothing; a closed one is never reopened.
          this.queue(who.tenantId, { op: 'open', record: recordOf(who, c), at: Date.now(), hint: who.hint });
          // Only a connection the server authenticated as the tenant's counts (never a name).
          if (!who.verified) continue;
          let mine = attributed.get(who.tenantId);
          if (!mine) attributed.set(who.tenantId, (mine = new Map<string, number>()));
          mine.set(c.key, c.subscriptions);
          if (!this.accountShape(who.tenantId)) this.usageOf(who.tenantId).figures(c.key, c.counts);
        }
      }
      if (!more) break;
    }
    // No server answered: nothing is known, and no snapshot says otherwise.
    if (servers.size > 0)
      for (const tenant of this.directory.list())
        if (tenant.natsAccount === null)
          this.usageOf(tenant.id).snapshot = subjectsSnapshot(
            tenant.id,
            askedAt,
            [...(attributed.get(tenant.id)?.values() ?? [])].map((subscriptions) => ({ subscriptions })),
          );
    await this.pollAccounts(
      this.directory.list().filter((t) => t.natsAccount !== null),
      askedAt,
      inAccount,
    );
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
    this.lastPollAt = askedAt;
    await this.serverUsage.polled(askedAt, this.snapshotSeconds());
    return changes;
  }

  /**
   * The accounts shape: each tenant's own account's figures from every server (STATZ, the unused
   * ones too, so that an account whose last connection closed still reports its final figures),
   * counted per `<account>@<server>`; its ACCOUNTZ (subscriptions, the claims' limits) and JSZ
   * (JetStream use); one snapshot per tenant, its subscriptions the most on one of the account's
   * connections (`connections`: from the poll's CONNZ). Only the tenants' accounts are asked.
   */
  private async pollAccounts(
    tenants: Tenant[],
    at: number,
    connections: Map<string, Map<string, number>>,
  ): Promise<void> {
    if (tenants.length === 0) return;
    const byAccount = new Map(tenants.map((t) => [t.natsAccount!, t.id]));
    const figures = new Map<string, AccountFigures[]>();
    let answered = false;
    const accounts = [...byAccount.keys()];
    for (let i = 0; i < accounts.length; i += STATZ_ACCOUNTS_PER_REQUEST) {
      const body = { accounts: accounts.slice(i, i + STATZ_ACCOUNTS_PER_REQUEST), include_unused: true };
      for (const data of await this.ask(ACCOUNT_SUBJECTS.statz, body)) {
        const reply = parseAccountStatz(data);
        if (!reply) {
          this.rejected++;
          continue;
        }
        answered = true;
        for (const f of reply.accounts) {
          const tenantId = byAccount.get(f.account);
          if (tenantId === undefined) continue;
          figures.set(f.account, [...(figures.get(f.account) ?? []), f]);
          this.countAccount(tenantId, f);
        }
      }
    }
    if (!answered) return;
    const entries = [...byAccount];
    for (let i = 0; i < entries.length; i += ACCOUNTS_AT_ONCE) {
      await Promise.all(
        entries.slice(i, i + ACCOUNTS_AT_ONCE).map(async ([account, tenantId]) => {
          const [details, jetstream] = await Promise.all([
            this.ask(ACCOUNT_SUBJECTS.accountz, { account }),
            this.ask(ACCOUNT_SUBJECTS.jsz, { accounts: true, streams: true, account }),
          ]);
          const detail = details.flatMap((d): AccountDetail[] => {
            const x = parseAccountz(d);
            return x?.account === account ? [x] : [];
          });
          const js = jetstream.flatMap((d): AccountJetStream[] =>
            (parseJsz(d)?.accounts ?? []).filter((a) => a.account === account),
          );
          const subscriptions = [...(connections.get(tenantId)?.values() ?? [])].map((n) => ({ subscriptions: n }));
          this.usageOf(tenantId).snapshot = accountSnapshot(
            tenantId,
            at,
            figures.get(account) ?? [],
            detail,
            js,
            subscriptions,
          );
        }),
      );
    }
  }

  /**
   * One request every server answers, and the replies that came within the deadline. Until the
   * subject's servers are counted (FULL_ROUND_EVERY) a request waits the whole deadline and
   * counts them; after, it ends once that many have answered (a server that joined the cluster
   * is heard from when they are counted again; its counters are cumulative: counted late, not lost).
   */
  private async ask(subject: string, body: object): Promise<Uint8Array[]> {
    if (!this.nc) return [];
    const expected = this.answering.get(subject) ?? 0;
    const replies = await this.nc.requestMany(
      subject,
      JSON.stringify(body),
      expected > 0
        ? { strategy: 'count', maxMessages: expected, maxWait: REQUEST_DEADLINE_MS }
        : { strategy: 'timer', maxWait: REQUEST_DEADLINE_MS },
    );
    const out: Uint8Array[] = [];
    for await (const reply of replies) out.push(reply.data);
    if (expected === 0) this.answering.set(subject, Math.max(this.answering.get(subject) ?? 0, out.length));
    return out;
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
