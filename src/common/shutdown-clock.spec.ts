import { describe, expect, it } from 'vitest';
import { ShutdownClock } from './shutdown-clock.js';

describe('ShutdownClock', () => {
  it('gives each final flush its own deadline, no later than the bound from the first hook', () => {
    const clock = new ShutdownClock(11_000);
    clock.start(1000);
    expect(clock.deadline(10_000, 1000)).toBe(11_000); // the tap's: its own 10 s
    expect(clock.deadline(5000, 11_000)).toBe(12_000); // the heartbeats': what is left of the bound
    expect(clock.deadline(2000, 12_500)).toBe(12_000); // the timeline's, the audit's: nothing left
  });

  it('starts with the first deadline asked for when no hook started it', () => {
    const clock = new ShutdownClock(11_000);
    expect(clock.deadline(2000, 500)).toBe(2500);
    expect(clock.deadline(10_000, 5000)).toBe(11_500);
  });
});
