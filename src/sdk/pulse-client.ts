import {
  headers as natsHeaders,
  type Msg,
  type NatsConnection,
  type Payload,
  type Subscription,
} from '@nats-io/transport-node';

export type ClientStatus = 'healthy' | 'degraded' | 'unhealthy';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

export interface PulseClientOptions {
  /** A connection the application owns; the client never closes it. */
  connection: NatsConnection;
  tenantId: string;
  clientId: string;
  /** First token of tenant subjects (Pulse's TENANT_SUBJECT_PREFIX). */
  subjectPrefix?: string;
  /** The protocol's 30 s; shorter only for tests and demos. */
  heartbeatIntervalMs?: number;
  status?: ClientStatus;
  /** Clock, for tests. */
  now?: () => number;
}

export interface HeartbeatBody {
  client_id: string;
  tenant_id: string;
  timestamp: string;
  status: ClientStatus;
  metrics: { messages_sent: number; messages_received: number; errors: number; uptime_seconds: number };
}

/**
 * What a tenant application embeds to be seen by Pulse: it publishes the heartbeat every 30 s
 * with cumulative counters, reports a status change at once, and stamps `X-Published-At` on
 * what it publishes so Pulse can measure latency.
 *
 * ```ts
 * const pulse = new PulseClient({ connection: nc, tenantId: 'acme', clientId: 'orders-1' });
 * pulse.start();
 * pulse.publish('orders.created', JSON.stringify(order)); // → tenant.acme.orders.created
 * pulse.setStatus('degraded');
 * await pulse.stop();
 * ```
 */
export class PulseClient {
  private readonly nc: NatsConnection;
  private readonly prefix: string;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private status: ClientStatus;
  private sent = 0;
  private received = 0;
  private errors = 0;
  private timer: NodeJS.Timeout | null = null;

  readonly tenantId: string;
  readonly clientId: string;

  constructor(options: PulseClientOptions) {
    if (!ID.test(options.tenantId)) throw new Error('tenantId must match ^[A-Za-z0-9_-]{1,64}$');
    if (!ID.test(options.clientId)) throw new Error('clientId must match ^[A-Za-z0-9_-]{1,64}$');
    this.nc = options.connection;
    this.tenantId = options.tenantId;
    this.clientId = options.clientId;
    this.prefix = `${options.subjectPrefix ?? 'tenant'}.${options.tenantId}.`;
    this.interval = options.heartbeatIntervalMs ?? 30_000;
    this.status = options.status ?? 'healthy';
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Sends a heartbeat now and then every interval. */
  start(): void {
    if (this.timer) return;
    this.heartbeat();
    this.timer = setInterval(() => this.heartbeat(), this.interval);
    this.timer.unref();
  }

  /** Stops heartbeating (Pulse marks the client offline after its timeout) and flushes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.nc.isClosed()) await this.nc.flush();
  }

  /** Changes the reported status; a change is sent at once, not at the next beat. */
  setStatus(status: ClientStatus): void {
    if (status === this.status) return;
    this.status = status;
    if (this.timer) this.heartbeat();
  }

  /**
   * Publishes on `{prefix}.{tenantId}.{subject}` with `X-Published-At`. Counts a sent message,
   * or an error (and rethrows) when the connection refuses it.
   */
  publish(subject: string, data?: Payload): void {
    if (!TOKEN.test(subject)) {
      this.errors++;
      throw new Error(`invalid subject suffix: ${subject}`);
    }
    const h = natsHeaders();
    h.set('X-Published-At', String(this.now()));
    try {
      this.nc.publish(this.prefix + subject, data, { headers: h });
      this.sent++;
    } catch (err) {
      this.errors++;
      throw err;
    }
  }

  /**
   * Subscribes to `{prefix}.{tenantId}.{subject}`, counting received messages; a handler that
   * throws is counted as an error and does not stop the subscription.
   */
  subscribe(subject: string, handler: (msg: Msg) => void | Promise<void>): Subscription {
    return this.nc.subscribe(this.prefix + subject, {
      callback: (err, msg) => {
        if (err) {
          this.errors++;
          return;
        }
        this.received++;
        try {
          const result = handler(msg);
          if (result instanceof Promise) result.catch(() => this.errors++);
        } catch {
          this.errors++;
        }
      },
    });
  }

  /** Counts messages the application received by other means (JetStream, another connection). */
  recordReceived(count = 1): void {
    this.received += count;
  }

  /** Counts an application error (reported in the next heartbeat). */
  recordError(count = 1): void {
    this.errors += count;
  }

  /** The heartbeat that would be sent now. */
  heartbeatBody(): HeartbeatBody {
    const now = this.now();
    return {
      client_id: this.clientId,
      tenant_id: this.tenantId,
      timestamp: new Date(now).toISOString(),
      status: this.status,
      metrics: {
        messages_sent: this.sent,
        messages_received: this.received,
        errors: this.errors,
        uptime_seconds: Math.floor((now - this.startedAt) / 1000),
      },
    };
  }

  /** Sends one heartbeat now. */
  heartbeat(): void {
    try {
      this.nc.publish(
        `_HEARTBEAT.tenant.${this.tenantId}.client.${this.clientId}`,
        JSON.stringify(this.heartbeatBody()),
      );
    } catch {
      // A closed or draining connection: the next beat tries again; Pulse sees the silence.
    }
  }
}

/**
 * The NATS connection name that lets Pulse join the server's view of a connection (connected
 * since, RTT, the disconnect reason) to the client's heartbeats: pass it as `name` to `connect()`.
 */
export function pulseConnectionName(tenantId: string, clientId: string): string {
  return `pulse:${tenantId}:${clientId}`;
}
