import { describe, expect, it } from 'vitest';
import { HeldWork, type HeldItem } from './held-work.js';

describe('HeldWork', () => {
  it('runs one poll at a time, none after stop; counts the work held, per tenant; idle waits for it', async () => {
    let polls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work: HeldWork<HeldItem> = new HeldWork(
      async () => {
        polls++;
        for (const [key, tenantId] of [
          ['a1', 'a'],
          ['a2', 'a'],
          ['b1', 'b'],
        ]) {
          const done = gate.then(() => void work.held.delete(key));
          work.held.set(key, { tenantId, done });
        }
      },
      () => undefined,
    );
    await Promise.all([work.poll(), work.poll()]);
    expect(polls).toBe(1);
    expect(work.inFlight()).toBe(3);
    expect(work.perTenant()).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(work.list().map((h) => h.tenantId)).toEqual(['a', 'a', 'b']);
    const idle = work.idle();
    release();
    await idle;
    expect(work.inFlight()).toBe(0);
    work.stop();
    await work.poll();
    expect(polls).toBe(1);
    expect(work.stopped).toBe(true);
  });

  it('hands a failed poll to onError and polls again next time', async () => {
    const errors: string[] = [];
    let fail = true;
    const work = new HeldWork<HeldItem>(
      () => (fail ? Promise.reject(new Error('redis away')) : Promise.resolve()),
      (err) => errors.push(err.message),
    );
    await work.poll();
    fail = false;
    await work.poll();
    expect(errors).toEqual(['redis away']);
  });
});
