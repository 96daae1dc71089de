import { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERTING, type PulseOptions } from '../config/pulse-options.js';
import type { AlertSender } from './alert-sender.js';
import type { AlertingRepository } from './alerting.repository.js';
import type { DeliveryQueueRepository, QueuedDelivery } from './delivery-queue.repository.js';
import { DeliveryWorker } from './delivery-worker.js';

/** A queue whose tenants always have `due` deliveries ready; every claim is recorded. */
function fakeQueue(due: Record<string, number>) {
  const claims: { tenantId: string; max: number }[] = [];
  let seq = 0;
  const queue = {
    dueTenants: () => Promise.resolve(Object.keys(due)),
    // The claim's last argument is the most it may hand out.
    claim: (tenantId: string, ...rest: unknown[]) => {
      const max = rest[rest.length - 1] as number;
      const n = Math.min(max, due[tenantId]);
      due[tenantId] -= n;
      claims.push({ tenantId, max });
      return Promise.resolve(
        Array.from({ length: n }, (): QueuedDelivery => ({ id: `d${seq++}`, channelId: 'c' }) as QueuedDelivery),
      );
    },
  };
  return { queue: queue as unknown as DeliveryQueueRepository, claims };
}

/** Attempts that never end: the channel lookup hangs, as a receiver that never answers would. */
const hanging = { channel: () => new Promise(() => undefined) } as unknown as AlertingRepository;

function worker(queue: DeliveryQueueRepository): DeliveryWorker {
  const options = { alerting: DEFAULT_ALERTING } as PulseOptions;
  return new DeliveryWorker(queue, hanging, {} as AlertSender, new SchedulerRegistry(), options);
}

describe('DeliveryWorker claims', () => {
  it('a tenant at its cap is passed over: the next due tenant is claimed in the same poll', async () => {
    const { queue, claims } = fakeQueue({ hostile: 1000, other: 1 });
    const w = worker(queue);
    await w.poll();
    expect(claims.map((c) => c.tenantId)).toEqual(['hostile', 'other']);
    expect(w.inFlight()).toBe(5);
    // Later polls give the capped tenant nothing more while its attempts hang.
    await w.poll();
    await w.poll();
    expect(claims.filter((c) => c.tenantId === 'hostile')).toHaveLength(1);
    expect(w.inFlight()).toBe(5);
  });

  it('sixteen attempts at once in all, four tenants at most four each', async () => {
    const due = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`t${i}`, 100]));
    const { queue, claims } = fakeQueue(due);
    const w = worker(queue);
    await w.poll();
    expect(w.inFlight()).toBe(16);
    expect(claims.map((c) => [c.tenantId, c.max])).toEqual([
      ['t0', 4],
      ['t1', 4],
      ['t2', 4],
      ['t3', 4],
    ]);
  });
});
