import { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENTS, type PulseOptions } from '../config/pulse-options.js';
import { EventDeliveryWorker } from './event-delivery.worker.js';

/** A worker with only its options: the constructor touches nothing else. */
function workerWith(events: Partial<PulseOptions['events']>): EventDeliveryWorker {
  const none = undefined as never;
  const options = { events: { ...DEFAULT_EVENTS, ...events } } as PulseOptions;
  return new EventDeliveryWorker(none, none, none, none, none, none, new SchedulerRegistry(), options);
}

describe('EventDeliveryWorker deadlines', () => {
  it('refuses a lease that does not outlast the delivery deadline plus the settle time', () => {
    expect(() => workerWith({ timeoutMs: 2000, leaseMs: 2500 })).toThrow(/must exceed 5000/);
    expect(() => workerWith({ timeoutMs: 2000, leaseMs: 5000 })).toThrow(/must exceed/);
    expect(workerWith({ timeoutMs: 2000, leaseMs: 5001 }).leaseMs).toBe(5001);
    expect(workerWith({ timeoutMs: 2000 }).leaseMs).toBe(7000);
  });
});
