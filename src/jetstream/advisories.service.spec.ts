import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { RedisClient } from '../redis/redis-client.js';
import { AdvisoryKeys } from './advisories-keys.js';
import { AdvisoriesService, SUBSCRIBE_RETRY_POLLS } from './advisories.service.js';
import type { JetStreamReader } from './jetstream.types.js';

const SUBJECT = '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.worker';
const maxDeliver = (consumer = 'worker') =>
  new TextEncoder().encode(
    JSON.stringify({
      type: 'io.nats.jetstream.advisory.v1.max_deliver',
      stream: 'ORDERS',
      consumer,
      stream_seq: 1,
      deliveries: 2,
    }),
  );

/** A Redis whose script calls fail with `error` (null: succeed) and count. */
function fakeRedis() {
  const state = { error: null as Error | null, calls: 0 };
  const redis = {
    defineCommand: () => undefined,
    pulseJsAdvisories: () => {
      state.calls++;
      return state.error ? Promise.reject(state.error) : Promise.resolve(1);
    },
  };
  return { redis: redis as unknown as RedisClient, state };
}

function build(over: {
  redis?: RedisClient;
  reader?: Partial<JetStreamReader>;
  tier?: string;
  enabled?: boolean;
  nats?: object;
}) {
  const options = defaultPulseOptions();
  options.jetstream = { ...options.jetstream!, enabled: over.enabled ?? true };
  const subscribe = vi.fn(() => ({ unsubscribe: () => undefined }));
  const reader: JetStreamReader = {
    current: (tenantId) =>
      Promise.resolve({
        tenantId,
        polledAt: '',
        streams: [],
        consumers: [{ stream: 'ORDERS', name: 'worker' }],
        omitted: { streams: 0, consumers: 0 },
      } as never),
    history: () => Promise.resolve([]),
    status: () => ({ state: 'ok', lastPollAt: null, unowned: 0 }),
    owners: () => Promise.resolve(new Map([['ORDERS', 't1']])),
    worst: () => Promise.resolve([]),
    ...over.reader,
  };
  const directory = { get: (id: string) => ({ id, tier: over.tier ?? 'enterprise' }) as never };
  const service = new AdvisoriesService(
    options,
    (over.nats ?? { subscribe }) as unknown as NatsConnection,
    over.redis ?? fakeRedis().redis,
    new AdvisoryKeys('p'),
    directory,
    new SchedulerRegistry(),
    reader,
  );
  return { service, subscribe };
}

describe('AdvisoriesService', () => {
  afterEach(() => vi.restoreAllMocks());

  it('Redis away: no warning per flush, the advisories kept, counted once Redis is back', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { redis, state } = fakeRedis();
    const { service } = build({ redis });
    state.error = new Error('Connection is closed.');
    service.handle({ subject: SUBJECT, data: maxDeliver() });
    for (let i = 0; i < 5; i++) await service.flush();
    expect(warn).not.toHaveBeenCalled();
    expect(service.status()).toMatchObject({ counted: 0, dropped: 0 });
    state.error = null;
    await service.flush();
    expect(service.status().counted).toBe(1);
  });

  it('another failure: warned once per outage', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { redis, state } = fakeRedis();
    const { service } = build({ redis });
    state.error = new Error('OOM command not allowed');
    service.handle({ subject: SUBJECT, data: maxDeliver() });
    for (let i = 0; i < 5; i++) await service.flush();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('owners not readable: the queue is kept (not dropped as unmatched) and tried again', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let fail = true;
    const owners = () =>
      fail ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve(new Map([['ORDERS', 't1']]));
    const { service } = build({ reader: { owners } });
    service.handle({ subject: SUBJECT, data: maxDeliver() });
    for (let i = 0; i < 3; i++) await service.flush();
    expect(service.status()).toMatchObject({ unmatched: 0, counted: 0 });
    expect(warn).not.toHaveBeenCalled();
    fail = false;
    await service.flush();
    expect(service.status()).toMatchObject({ unmatched: 0, counted: 1 });
  });

  it('flushes do not overlap: a flush while one runs joins it', async () => {
    let release!: () => void;
    const { redis, state } = fakeRedis();
    (redis as unknown as { pulseJsAdvisories: () => Promise<number> }).pulseJsAdvisories = () => {
      state.calls++;
      return new Promise((resolve) => (release = () => resolve(1)));
    };
    const { service } = build({ redis });
    service.handle({ subject: SUBJECT, data: maxDeliver() });
    const first = service.flush();
    const second = service.flush();
    expect(second).toBe(first);
    await vi.waitFor(() => expect(state.calls).toBe(1));
    release();
    await first;
    expect(service.status().counted).toBe(1);
  });

  it("counts only the tenant's polled consumers, and only for tenants with anomalies", async () => {
    const { service } = build({});
    service.handle({ subject: SUBJECT, data: maxDeliver() });
    service.handle({ subject: '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.ghost', data: maxDeliver('ghost') });
    await service.flush();
    expect(service.status()).toMatchObject({ counted: 1, unmatched: 1 });
    const basic = build({ tier: 'professional' }).service;
    basic.handle({ subject: SUBJECT, data: maxDeliver() });
    await basic.flush();
    expect(basic.status()).toMatchObject({ counted: 0, unmatched: 1 });
  });

  it('a consumer the cached poll lacks, of an advisory after the read: read again once, then counted', async () => {
    let polled = [{ stream: 'ORDERS', name: 'worker' }];
    let reads = 0;
    const current = (tenantId: string) => {
      reads++;
      return Promise.resolve({ tenantId, consumers: polled } as never);
    };
    const { service } = build({ reader: { current } });
    service.handle({ subject: SUBJECT, data: maxDeliver() });
    await service.flush();
    expect(service.status().counted).toBe(1);
    // A consumer created since: the early poll lists it; the flush reads the view again.
    polled = [...polled, { stream: 'ORDERS', name: 'fresh' }];
    service.handle({ subject: '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.fresh', data: maxDeliver('fresh') });
    await new Promise((resolve) => setTimeout(resolve, 2));
    await service.flush();
    expect(service.status()).toMatchObject({ counted: 2, unmatched: 0 });
    expect(reads).toBe(2);
  });

  it('a refused subscription is tried again every 20 poll intervals until the server accepts it', async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    type Callback = (err: Error | null, msg: unknown) => void;
    const callbacks: Callback[] = [];
    let refusals = 2;
    const nats = {
      // nats closes a refused subscription and reports the error to its callback, after subscribe returns.
      subscribe: vi.fn((_subject: string, opts: { callback: Callback }) => {
        callbacks.push(opts.callback);
        if (refusals-- > 0)
          queueMicrotask(() =>
            opts.callback(new Error("Permissions Violation for Subscription to '$JS.EVENT.ADVISORY.>'"), null),
          );
        return { unsubscribe: () => undefined };
      }),
      flush: () => Promise.resolve(),
    };
    const { service } = build({ nats });
    const retryMs = SUBSCRIBE_RETRY_POLLS * defaultPulseOptions().jetstream!.pollIntervalMs;
    try {
      service.onApplicationBootstrap();
      await vi.advanceTimersByTimeAsync(0);
      expect(service.status().state).toBe('error');
      await vi.advanceTimersByTimeAsync(retryMs - 1);
      expect(nats.subscribe).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(nats.subscribe).toHaveBeenCalledTimes(2);
      expect(service.status().state).toBe('error');
      await vi.advanceTimersByTimeAsync(retryMs);
      expect(nats.subscribe).toHaveBeenCalledTimes(3);
      expect(service.status().state).toBe('on');
      expect(warn).toHaveBeenCalledTimes(1);
      // The accepted subscription counts advisories; no more retries.
      callbacks[2](null, { subject: SUBJECT, data: maxDeliver() });
      await service.flush();
      expect(service.status()).toMatchObject({ state: 'on', counted: 1 });
      await vi.advanceTimersByTimeAsync(3 * retryMs);
      expect(nats.subscribe).toHaveBeenCalledTimes(3);
      await service.onApplicationShutdown();
    } finally {
      vi.useRealTimers();
    }
  });

  it('JETSTREAM_MONITORING=false: nothing subscribed, status off', () => {
    const { service, subscribe } = build({ enabled: false });
    service.onApplicationBootstrap();
    expect(subscribe).not.toHaveBeenCalled();
    expect(service.status().state).toBe('off');
  });
});
