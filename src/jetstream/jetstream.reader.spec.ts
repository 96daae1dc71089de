import { describe, expect, it } from 'vitest';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { JetStreamArchive } from './jetstream-archive.js';
import type { JetStreamPoller } from './jetstream.poller.js';
import { RedisJetStreamReader } from './jetstream.reader.js';
import type { JetStreamStore } from './jetstream.store.js';
import type { JetStreamStatus, TenantJetStream, TenantWorstConsumer } from './jetstream.types.js';

const INTERVAL = 15_000;

function reader(status: JetStreamStatus, polledAgoMs: number) {
  const options = defaultPulseOptions();
  options.jetstream = { ...options.jetstream!, enabled: true, pollIntervalMs: INTERVAL };
  const row = { tenantId: 't1', polledAt: new Date(Date.now() - polledAgoMs).toISOString() } as TenantWorstConsumer;
  const view = { tenantId: 't1' } as TenantJetStream;
  const store = {
    worst: () => Promise.resolve([row]),
    current: () => Promise.resolve(view),
  } as unknown as JetStreamStore;
  const poller = { status: () => status } as unknown as JetStreamPoller;
  return new RedisJetStreamReader(options, store, poller, {} as never, {} as JetStreamArchive);
}

const at = (state: JetStreamStatus['state']): JetStreamStatus => ({
  state,
  lastPollAt: new Date().toISOString(),
  unowned: 0,
});

describe('RedisJetStreamReader', () => {
  it('serves the ranking while ok, however old', async () => {
    expect(await reader(at('ok'), 10 * INTERVAL).worst(10)).toHaveLength(1);
  });

  it('hides the ranking while off', async () => {
    expect(await reader(at('off'), 0).worst(10)).toEqual([]);
  });

  it('while the poll fails, serves a recent ranking and hides one older than 3 intervals', async () => {
    expect(await reader(at('error'), INTERVAL).worst(10)).toHaveLength(1);
    expect(await reader(at('error'), 3 * INTERVAL + 5_000).worst(10)).toEqual([]);
  });

  it('hides the current view while off but keeps the stored one readable (the export)', async () => {
    const r = reader(at('off'), 0);
    expect(await r.current('t1')).toBeNull();
    expect(await r.current('t1', { evenWhenOff: true })).toEqual({ tenantId: 't1' });
  });
});
