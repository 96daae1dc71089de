import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { closeWithin } from '../nats/drain-within.js';
import { connectNats } from '../nats/nats.module.js';
import { wireBytes } from '../nats/wire-bytes.js';
import type { Tenant } from '../tenants/tenant.js';
import { TenantDirectory, type TenantListener } from '../tenants/tenant-directory.js';
import { TenantShards } from '../tenants/tenant-shards.js';
import { HeartbeatService } from './heartbeat.service.js';
import { PresenceWriter } from './presence-writer.js';
import { ClientTimeline } from './client-timeline.js';

export const HEARTBEAT_PATTERN = '_HEARTBEAT.tenant.*.client.*';

/** One tenant's heartbeats: what a sharded instance subscribes for each tenant its shard owns. */
export function tenantHeartbeatPattern(tenantId: string): string {
  return `_HEARTBEAT.tenant.${tenantId}.client.*`;
}

/**
 * The connection's name on the NATS server. It is the one the connection had as Nest's NATS
 * transport, so operators' connection views keep matching.
 */
const CONNECTION_NAME = 'pulse-transport';

/** Draining needs the server: with NATS unreachable, the final flush starts after this anyway. */
const SHUTDOWN_DRAIN_DEADLINE_MS = 3000;

/**
 * The one door heartbeats come in by. It subscribes `_HEARTBEAT.tenant.*.client.*` in the
 * deployment's queue group (each heartbeat reaches one instance) — with tenant shards
 * (PULSE_SHARDS > 1) instead `_HEARTBEAT.tenant.<id>.client.*` for each active tenant its shard
 * owns, in the same queue group (TenantShards; the server then sends it no other tenant's
 * heartbeats, and an old instance's pattern and a new one's share each heartbeat out once while a
 * shard-count change rolls out) — on a NATS connection of its own
 * built from the same options as the tap's, and hands each message's subject, payload and bytes
 * as the server counts its delivery (headers + payload) to `HeartbeatService.ingest` in the subscription callback: no context object, promise or
 * observable per message (ARCHITECTURE.md, "Heartbeats on the NATS client").
 *
 * It connects in `onApplicationBootstrap`, once every module is initialised. It owns the shutdown
 * order of the heartbeat path: `beforeApplicationShutdown` drains the subscription, then runs the
 * PresenceWriter's final flush, so no heartbeat is accepted after it, then the ClientTimeline's,
 * which writes the transitions that flush published. The connection closes in
 * `onApplicationShutdown`, with the other connections.
 */
@Injectable()
export class HeartbeatSubscriber
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown, TenantListener
{
  private readonly logger = new Logger(HeartbeatSubscriber.name);
  private connection: NatsConnection | null = null;
  private subscription: Subscription | null = null;
  /** Sharded: one subscription per owned active tenant. */
  private readonly perTenant = new Map<string, Subscription>();
  private stopped = false;
  private received = 0;

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly heartbeats: HeartbeatService,
    private readonly writer: PresenceWriter,
    private readonly directory: TenantDirectory,
    private readonly shards: TenantShards,
    private readonly timeline: ClientTimeline,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const connection = await connectNats(this.options.nats, CONNECTION_NAME);
    this.connection = connection;
    void this.logStatus(connection);
    if (this.shards.sharded) {
      // Replays the active tenants at once (the directory's first reconcile ran before this hook).
      this.directory.subscribe(this);
    } else {
      this.subscription = connection.subscribe(HEARTBEAT_PATTERN, {
        queue: this.options.nats.queueGroup,
        callback: (error, message) => this.onMessage(error, message),
      });
    }
    // Ready means subscribed: the server has them before the HTTP server listens (at most a second).
    const deadline = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([connection.flush(), deadline]).catch(() => undefined);
  }

  /** Sharded: the tenant's heartbeats, when its shard is this instance's. */
  activated(tenant: Tenant): void {
    const connection = this.connection;
    if (!connection || this.stopped || this.perTenant.has(tenant.id) || !this.shards.owns(tenant.id)) return;
    this.perTenant.set(
      tenant.id,
      connection.subscribe(tenantHeartbeatPattern(tenant.id), {
        queue: this.options.nats.queueGroup,
        callback: (error, message) => this.onMessage(error, message),
      }),
    );
  }

  /** Sharded: a disabled or deleted tenant's heartbeats go to no instance (the server drops them). */
  deactivated(tenantId: string): void {
    const subscription = this.perTenant.get(tenantId);
    if (!subscription) return;
    this.perTenant.delete(tenantId);
    if (this.connection && !this.connection.isClosed()) subscription.unsubscribe();
  }

  /** Tenants whose heartbeats this instance subscribes one by one (sharded; empty with one shard). */
  subscribedTenants(): string[] {
    return [...this.perTenant.keys()];
  }

  /** Heartbeat messages received so far (accepted or rejected). */
  receivedCount(): number {
    return this.received;
  }

  /**
   * SIGTERM: stop taking heartbeats, then write what was taken. Draining makes the server stop
   * sending to this instance (the other instances of the queue group take the next heartbeats)
   * and runs the callback for those already delivered; then the writer's final flush writes every
   * heartbeat accepted, and the timeline's final flush the transitions those writes published. The
   * drain is bounded by SHUTDOWN_DRAIN_DEADLINE_MS, each flush by its own (within ShutdownClock's).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const subscriptions = [...(this.subscription ? [this.subscription] : []), ...this.perTenant.values()];
    this.subscription = null;
    this.perTenant.clear();
    if (subscriptions.length > 0 && this.connection && !this.connection.isClosed()) {
      await Promise.race([
        Promise.all(
          subscriptions.map((s) =>
            s.drain().catch((err: unknown) => this.logger.warn(`heartbeat drain: ${String(err)}`)),
          ),
        ),
        new Promise((resolve) => setTimeout(resolve, SHUTDOWN_DRAIN_DEADLINE_MS).unref()),
      ]);
    }
    await this.writer.close();
    await this.timeline.close();
  }

  /** Closes the connection once the subscription is drained and the heartbeats written. */
  async onApplicationShutdown(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection) await closeWithin(connection, 'NATS heartbeat connection', (message) => this.logger.warn(message));
  }

  /** Never throws or awaits: a heartbeat that throws anyway is logged, and the next one proceeds. */
  private onMessage(error: Error | null, message: Msg): void {
    if (error) {
      this.logger.error(error);
      return;
    }
    this.received++;
    try {
      this.heartbeats.ingest(message.subject, message.data, Date.now(), wireBytes(message));
    } catch (err) {
      this.logger.error(String(err));
    }
  }

  private async logStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.logger.warn(`heartbeat connection lost (${status.server})`);
      else if (status.type === 'reconnect') this.logger.log(`heartbeat connection back (${status.server})`);
      else if (status.type === 'error') this.logger.error(`heartbeat connection: ${status.error.message}`);
    }
  }
}
