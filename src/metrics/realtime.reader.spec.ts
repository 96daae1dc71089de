import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PulseOptions } from '../config/pulse-options.js';
import type { PresenceQueryService } from '../heartbeat/presence-query.service.js';
import type { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import type { MetricsRepository, RawRealtime } from './metrics.repository.js';
import { RealtimeReader, SHARED_VIEW_MS } from './realtime.reader.js';

const RAW: RawRealtime = {
  totals: { m: '5' },
  today: {},
  minutes: new Map(),
  topSubjects: [],
  storedSubjects: 0,
  sketch: null,
};
const SUMMARY = { online: 2, healthy: 2, degraded: 0, unhealthy: 0, offline: 1, total: 3 };

function setup() {
  let failNext = false;
  const repository = {
    readRealtime: vi.fn(async () => {
      if (failNext) {
        failNext = false;
        throw new Error('Redis is gone');
      }
      return RAW;
    }),
  };
  const presence = { summary: vi.fn(async () => SUMMARY) };
  const reader = new RealtimeReader(
    repository as unknown as MetricsRepository,
    presence as unknown as PresenceQueryService,
    { list: async () => [] } as unknown as CustomMetricRepository,
    { flushIntervalMs: 1000 } as PulseOptions,
  );
  return { reader, repository, failNext: () => (failNext = true) };
}

describe('RealtimeReader', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves reads of one tenant and tier within SHARED_VIEW_MS from one Redis read, concurrent ones included', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { reader, repository } = setup();
    const [a, b] = await Promise.all([reader.read('acme', 'basic'), reader.read('acme', 'basic')]);
    await reader.read('acme', 'basic');
    expect(repository.readRealtime).toHaveBeenCalledTimes(1);
    expect(a).toBe(b);
    expect(a.view.messages.total).toBe(5);

    // Another tier or tenant is another view.
    await reader.read('acme', 'enterprise');
    await reader.read('other', 'basic');
    expect(repository.readRealtime).toHaveBeenCalledTimes(3);

    vi.setSystemTime(Date.now() + SHARED_VIEW_MS);
    await reader.read('acme', 'basic');
    expect(repository.readRealtime).toHaveBeenCalledTimes(4);
  });

  it('never shares a read as of a given instant, nor a failed read', async () => {
    const { reader, repository, failNext } = setup();
    await reader.read('acme', 'basic', { now: Date.now() });
    await reader.read('acme', 'basic', { now: Date.now() });
    expect(repository.readRealtime).toHaveBeenCalledTimes(2);

    failNext();
    await expect(reader.read('acme', 'professional')).rejects.toThrow('Redis is gone');
    await expect(reader.read('acme', 'professional')).resolves.toMatchObject({ presence: SUMMARY });
    expect(repository.readRealtime).toHaveBeenCalledTimes(4);
  });

  it('asks for the open-anomaly count only when it reads Redis', async () => {
    const { reader } = setup();
    const openAnomalies = vi.fn(async () => 7);
    const first = await reader.read('acme', 'enterprise', { openAnomalies });
    await reader.read('acme', 'enterprise', { openAnomalies });
    expect(openAnomalies).toHaveBeenCalledTimes(1);
    expect(first.view.anomalies).toEqual({ open: 7 });
  });
});
