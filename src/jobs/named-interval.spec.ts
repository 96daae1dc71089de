import { SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NamedInterval } from './named-interval.js';

describe('NamedInterval', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('registers one timer under its name, replaces it on a second start and removes it on stop', () => {
    vi.useFakeTimers();
    const registry = new SchedulerRegistry();
    const timer = new NamedInterval(registry, 'pulse-test');
    const first = vi.fn();
    const second = vi.fn();

    timer.start(100, first);
    expect(registry.getIntervals()).toEqual(['pulse-test']);
    vi.advanceTimersByTime(250);
    expect(first).toHaveBeenCalledTimes(2);

    timer.start(100, second);
    expect(registry.getIntervals()).toEqual(['pulse-test']);
    vi.advanceTimersByTime(100);
    expect(first).toHaveBeenCalledTimes(2);
    expect(second).toHaveBeenCalledTimes(1);

    timer.stop();
    timer.stop(); // stopping twice (shutdown after a failed start) is harmless
    expect(registry.getIntervals()).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(second).toHaveBeenCalledTimes(1);
  });
});
