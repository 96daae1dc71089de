import { Global, Module } from '@nestjs/common';
import { NO_LIMITS, type LimitValues } from '../../src/common/limits.js';
import {
  SERVER_USAGE_READER,
  type ServerSnapshot,
  type ServerUsageReader,
} from '../../src/nats-events/server-usage.types.js';
import type { PulseTestModules } from './pulse-app.js';

/** A tenant's server snapshot as nats-events would store it (subjects shape, polled now, nothing open), with overrides. */
export function serverSnapshot(tenantId: string, over: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    tenantId,
    shape: 'subjects',
    at: Date.now(),
    connections: 0,
    subscriptions: 0,
    leafnodes: 0,
    slowConsumers: 0,
    jetstream: null,
    claims: null,
    ...over,
  };
}

/** An account's claims: the limits given, the rest unlimited. */
export const claims = (limits: Partial<LimitValues>): LimitValues => ({ ...NO_LIMITS, ...limits });

/** The server's figures, set by the test (nats-events' Redis reader stands in its place in production). */
export class FakeServerUsageReader implements ServerUsageReader {
  readonly snapshots = new Map<string, ServerSnapshot>();
  state: ReturnType<ServerUsageReader['status']>['state'] = 'connected';
  lastPollAt: string | null = new Date().toISOString();

  snapshot(tenantId: string): Promise<ServerSnapshot | null> {
    return Promise.resolve(this.snapshots.get(tenantId) ?? null);
  }

  status(): ReturnType<ServerUsageReader['status']> {
    return { state: this.state, lastPollAt: this.state === 'off' ? null : this.lastPollAt };
  }
}

/** Pulse with `reader` as its SERVER_USAGE_READER in place of NatsEventsModule's (an override, and a global module for modules that resolve it first). */
export function withServerUsageReader(reader: ServerUsageReader, more: PulseTestModules = {}): PulseTestModules {
  @Global()
  @Module({ providers: [{ provide: SERVER_USAGE_READER, useValue: reader }], exports: [SERVER_USAGE_READER] })
  class FakeServerUsageModule {}
  return {
    imports: [FakeServerUsageModule, ...(more.imports ?? [])],
    overrides: [{ provide: SERVER_USAGE_READER, useValue: reader }, ...(more.overrides ?? [])],
  };
}
