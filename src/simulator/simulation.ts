import type { NatsConnection } from '@nats-io/transport-node';
import { type ClientStatus, PulseClient } from '../sdk/pulse-client.js';

export interface SimulationOptions {
  tenants: string[];
  /** Total clients, spread evenly over the tenants. */
  clients: number;
  /** Messages per second over all tenants. */
  rate: number;
  subjectsPerTenant: number;
  payloadBytes: number;
  /** Fraction of messages whose client reports an error. */
  errorRate: number;
  degraded: number;
  unhealthy: number;
  /** Fraction of clients that vanish (stop heartbeating) for a while and come back. */
  flap: number;
  heartbeatIntervalMs: number;
  /** Tenant whose traffic bursts to 10× between spikeAtSeconds and spikeAtSeconds + spikeSeconds. */
  spikeTenant?: string;
  spikeAtSeconds: number;
  spikeSeconds: number;
  subjectPrefix: string;
}

interface SimClient {
  sdk: PulseClient;
  tenant: string;
  away: boolean;
}

export interface SimulationStats {
  elapsedSeconds: number;
  published: number;
  online: number;
  away: number;
  spiking: boolean;
}

/** Zipf-like weights: subject i gets 1/(i+1), so a few subjects carry most of the traffic. */
export function subjectWeights(n: number): number[] {
  const raw = Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const sum = raw.reduce((a, b) => a + b, 0);
  let acc = 0;
  return raw.map((w) => (acc += w / sum));
}

export function pick(cumulative: number[], r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const SUBJECT_NAMES = [
  'orders',
  'payments',
  'inventory',
  'shipping',
  'users',
  'events',
  'audit',
  'search',
  'billing',
  'chat',
];
const TICK_MS = 50;

/**
 * Realistic traffic through the SDK: skewed subjects per tenant, clients with degraded and
 * unhealthy phases, clients that vanish and come back, an optional burst and error rate.
 */
export class Simulation {
  private readonly clients: SimClient[] = [];
  private readonly byTenant = new Map<string, SimClient[]>();
  private readonly weights: number[];
  private readonly subjects: string[];
  private readonly payload: Uint8Array;
  private timers: NodeJS.Timeout[] = [];
  private published = 0;
  private carry = 0;
  private startedAt = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: SimulationOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.weights = subjectWeights(options.subjectsPerTenant);
    this.subjects = Array.from(
      { length: options.subjectsPerTenant },
      (_, i) => `${SUBJECT_NAMES[i % SUBJECT_NAMES.length]}.${i >= SUBJECT_NAMES.length ? i : 'v1'}`,
    );
    this.payload = new Uint8Array(options.payloadBytes).fill(97);
    const perTenant = Math.max(1, Math.round(options.clients / options.tenants.length));
    for (const tenant of options.tenants) {
      const list: SimClient[] = [];
      for (let i = 0; i < perTenant; i++) {
        const sdk = new PulseClient({
          connection: nc,
          tenantId: tenant,
          clientId: `client-${String(i).padStart(4, '0')}`,
          subjectPrefix: options.subjectPrefix,
          heartbeatIntervalMs: options.heartbeatIntervalMs,
          status: this.randomStatus(),
        });
        const client = { sdk, tenant, away: false };
        list.push(client);
        this.clients.push(client);
      }
      this.byTenant.set(tenant, list);
    }
  }

  start(): void {
    this.startedAt = Date.now();
    // Spread the first heartbeats over a second so 10,000 clients do not beat in one burst.
    for (const c of this.clients) this.timers.push(setTimeout(() => c.sdk.start(), this.random() * 1000));
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.timers.push(setInterval(() => this.churn(), 20_000));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.all(this.clients.map((c) => c.sdk.stop()));
  }

  stats(): SimulationStats {
    const away = this.clients.filter((c) => c.away).length;
    return {
      elapsedSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      published: this.published,
      online: this.clients.length - away,
      away,
      spiking: this.spiking(),
    };
  }

  private spiking(): boolean {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    return (
      !!this.options.spikeTenant &&
      elapsed >= this.options.spikeAtSeconds &&
      elapsed < this.options.spikeAtSeconds + this.options.spikeSeconds
    );
  }

  private randomStatus(): ClientStatus {
    const r = this.random();
    if (r < this.options.unhealthy) return 'unhealthy';
    if (r < this.options.unhealthy + this.options.degraded) return 'degraded';
    return 'healthy';
  }

  private tick(): void {
    const { tenants, rate, spikeTenant } = this.options;
    const spiking = this.spiking();
    // Fractional messages carry over between ticks so low rates are honoured on average.
    const exact = (rate * TICK_MS) / 1000 + this.carry;
    const count = Math.floor(exact);
    this.carry = exact - count;
    for (let i = 0; i < count; i++) this.publishOne(tenants[Math.floor(this.random() * tenants.length)]);
    if (spiking && spikeTenant && this.byTenant.has(spikeTenant)) {
      const extra = Math.round((9 * rate * TICK_MS) / 1000 / tenants.length);
      for (let i = 0; i < extra; i++) this.publishOne(spikeTenant);
    }
  }

  private publishOne(tenant: string): void {
    const list = this.byTenant.get(tenant)!;
    const sender = list[Math.floor(this.random() * list.length)];
    if (sender.away) return;
    const subject = this.subjects[pick(this.weights, this.random())];
    try {
      sender.sdk.publish(subject, this.payload);
      this.published++;
    } catch {
      return;
    }
    if (this.random() < this.options.errorRate) sender.sdk.recordError();
    const receiver = list[Math.floor(this.random() * list.length)];
    if (!receiver.away) receiver.sdk.recordReceived();
  }

  /** Every 20 s: some clients change status, some vanish for two heartbeat timeouts, some return. */
  private churn(): void {
    for (const c of this.clients) {
      if (c.away) continue;
      if (this.random() < 0.1) c.sdk.setStatus(this.randomStatus());
      if (this.random() < this.options.flap) {
        c.away = true;
        void c.sdk.stop();
        const back = setTimeout(() => {
          c.away = false;
          c.sdk.start();
        }, 4 * this.options.heartbeatIntervalMs);
        this.timers.push(back);
      }
    }
  }
}
