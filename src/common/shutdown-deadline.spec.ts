import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { armShutdownDeadline } from './shutdown-deadline.js';

describe('armShutdownDeadline', () => {
  afterEach(() => vi.useRealTimers());

  it('fires once, the deadline after the first stop signal, and not before any signal', () => {
    vi.useFakeTimers();
    const target = new EventEmitter() as unknown as NodeJS.Process;
    const expired = vi.fn();
    armShutdownDeadline(1000, expired, ['SIGTERM', 'SIGINT'], target);
    vi.advanceTimersByTime(5000);
    expect(expired).not.toHaveBeenCalled();
    (target as unknown as EventEmitter).emit('SIGTERM');
    vi.advanceTimersByTime(600);
    (target as unknown as EventEmitter).emit('SIGINT');
    vi.advanceTimersByTime(399);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('does not hold the process open: the timer is unref’d', () => {
    const target = new EventEmitter() as unknown as NodeJS.Process;
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const disarm = armShutdownDeadline(60_000, () => undefined, ['SIGTERM'], target);
    (target as unknown as EventEmitter).emit('SIGTERM');
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    disarm();
    spy.mockRestore();
  });
});
