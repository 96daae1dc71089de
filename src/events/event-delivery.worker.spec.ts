import { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENTS, type PulseOptions } from '../config/pulse-options.js';
import {
  EventDeliveryWorker,
  fairShare,
  MAX_IN_FLIGHT,
  MAX_IN_FLIGHT_PER_TENANT,
  mayStart,
  RESERVED_FOR_IDLE_TENANTS,
} from './event-delivery.worker.js';

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

describe('EventDeliveryWorker fair share', () => {
  it('gives each tenant sending or due an equal share of the shared slots, at least one', () => {
    expect(fairShare(1)).toBe(MAX_IN_FLIGHT_PER_TENANT);
    expect(fairShare(1000)).toBe(1);
    const shared = MAX_IN_FLIGHT - RESERVED_FOR_IDLE_TENANTS;
    expect(fairShare(shared)).toBe(1);
    expect(fairShare(Math.floor(shared / 2))).toBe(Math.min(2, MAX_IN_FLIGHT_PER_TENANT));
  });

  it('keeps the reserved slots for tenants with nothing under way', () => {
    const shared = MAX_IN_FLIGHT - RESERVED_FOR_IDLE_TENANTS;
    expect(mayStart(1, 4, shared)).toBe(false);
    expect(mayStart(0, 4, shared)).toBe(true);
    expect(mayStart(0, 4, MAX_IN_FLIGHT)).toBe(false);
    expect(mayStart(2, 2, 0)).toBe(false);
  });
});
